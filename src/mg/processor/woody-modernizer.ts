/**
 * The Modernizer port over woody: asks an MG modernizer (`ModernizeEvent`) for the current representation of a
 * stored event. Failures are classified as for the processor (see woody-processor.ts).
 */
import type { Content, Event } from "../../core/machine.js";
import type { Modernizer, ProcessOptions } from "../../processors/processor.js";
import { eventToThrift } from "../machine-to-thrift.js";
import { contentFromThrift } from "../step-result-from-thrift.js";
import { MG_SCHEMA, stateProcessing } from "../thrift/generated/index.js";
import { createWoodyClient } from "../woody/client.js";
import { fromRequestContext } from "../woody/context.js";
import { processorErrorOf, type WoodyEndpointOptions } from "./woody-processor.js";

export function createWoodyModernizer(options: WoodyEndpointOptions): Modernizer {
  const client = createWoodyClient<stateProcessing.ModernizerMethods>({
    ...options,
    schema: MG_SCHEMA,
    service: stateProcessing.SERVICE.Modernizer,
  });
  return {
    async modernizeEvent(
      request: { readonly namespace: string; readonly machineId: string; readonly event: Event },
      processOptions: ProcessOptions,
    ): Promise<Content> {
      try {
        const ev = { ns: request.namespace, id: request.machineId, event: eventToThrift(request.event) };
        const result = await client.call(
          "ModernizeEvent",
          { ev },
          {
            deadlineUs: processOptions.deadlineUs,
            abortSignal: processOptions.abortSignal,
            ...(processOptions.context !== undefined && {
              context: fromRequestContext(processOptions.context),
            }),
          },
        );
        return contentFromThrift(result.event_payload);
      } catch (error) {
        throw processorErrorOf(error, `modernizer ${options.url}`);
      }
    },
    async close(): Promise<void> {
      client.close();
    },
  };
}
