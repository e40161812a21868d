/**
 * The Processor port over woody: calls an MG processor (`ProcessSignal`, `ProcessCall`, `ProcessRepair`) at a
 * URL, converting between the engine's types and state_processing structs, and classifying failures as MG does:
 * resource unavailable and result unknown are transient, a `RepairFailed` refuses the repair, anything else
 * fails the machine. Ratchet's optional answer headers (processor-extension.ts) name the next step and qualify a
 * transient failure; without them everything is exactly MG's.
 */

import {
  coerceError,
  ProcessorFailedError,
  ProcessorTimeoutError,
  ProcessorUnavailableError,
  RepairFailedError,
} from "../../core/errors.js";
import type { RequestContext } from "../../core/machine.js";
import type { StepResult } from "../../core/processor-result.js";
import { TRACE_CONTEXT_KEY, traceContextOf } from "../../core/trace-context.js";
import type { ProcessOptions, Processor, ProcessorRequest } from "../../processors/processor.js";
import { machineToThrift, payloadToValue } from "../machine-to-thrift.js";
import { encodeValue } from "../msgpack/msgpack-value.js";
import { stepResultFromThrift } from "../step-result-from-thrift.js";
import { MG_SCHEMA, stateProcessing } from "../thrift/generated/index.js";
import {
  createWoodyClient,
  type WoodyCallOptions,
  type WoodyClient,
  type WoodyTlsOptions,
} from "../woody/client.js";
import { fromRequestContext } from "../woody/context.js";
import { WoodyBusinessError, WoodySystemError } from "../woody/errors.js";
import { failureHeadersOf, withNextStep } from "./processor-extension.js";

export interface WoodyEndpointOptions {
  /** e.g. `http://invoicing:8022/v1/stateproc/invoice`. */
  readonly url: string;
  /** Pooled connections to the URL; MG's default is 50. */
  readonly poolSize?: number;
  /** Idle pooled connections close after this long; MG's default is 4 s. */
  readonly keepAliveMs?: number;
  readonly responseBytesMax?: number;
  /** For `https:` URLs: CAs to trust and a client certificate, as PEM text. */
  readonly tls?: WoodyTlsOptions;
  /** The current instant in µs, to turn deadlines into timeouts. */
  readonly nowUs: () => number;
}

/** The step's W3C trace context, sent whether or not the step's request came over woody. */
function traceOf(context: RequestContext | undefined): { trace?: Readonly<Record<string, string>> } {
  if (context === undefined) return {};
  const trace = traceContextOf({
    traceparent: context[TRACE_CONTEXT_KEY.TRACEPARENT],
    tracestate: context[TRACE_CONTEXT_KEY.TRACESTATE],
  });
  return trace.traceparent === undefined ? {} : { trace };
}

type ProcessorClient = WoodyClient<stateProcessing.ProcessorMethods>;

export function createWoodyProcessor(options: WoodyEndpointOptions): Processor {
  const client: ProcessorClient = createWoodyClient({
    ...options,
    schema: MG_SCHEMA,
    service: stateProcessing.SERVICE.Processor,
  });
  return {
    async process(request: ProcessorRequest, processOptions: ProcessOptions): Promise<StepResult> {
      const callOptions: WoodyCallOptions = {
        deadlineUs: processOptions.deadlineUs,
        abortSignal: processOptions.abortSignal,
        ...(processOptions.context !== undefined && { context: fromRequestContext(processOptions.context) }),
        ...traceOf(processOptions.context),
      };
      try {
        return await callProcessor(client, request, callOptions);
      } catch (error) {
        throw processorErrorOf(error, `processor ${options.url}`, options.nowUs() / 1000);
      }
    },
    async close(): Promise<void> {
      client.close();
    },
  };
}

/** The one place that picks the method and argument struct for each kind of step. */
async function callProcessor(
  client: ProcessorClient,
  request: ProcessorRequest,
  callOptions: WoodyCallOptions,
): Promise<StepResult> {
  const machine = machineToThrift(request.machine);
  const answer = await (() => {
    switch (request.kind) {
      case "init":
        return client.callWithHeaders(
          "ProcessSignal",
          { a: { signal: { init: { arg: payloadToValue(request.args, "args") } }, machine } },
          callOptions,
        );
      case "timer":
        return client.callWithHeaders(
          "ProcessSignal",
          { a: { signal: { timeout: {} }, machine } },
          callOptions,
        );
      case "notification":
        return client.callWithHeaders(
          "ProcessSignal",
          { a: { signal: { notification: { arg: payloadToValue(request.args, "args") } }, machine } },
          callOptions,
        );
      case "call":
        return client.callWithHeaders(
          "ProcessCall",
          { a: { arg: payloadToValue(request.args, "args"), machine } },
          callOptions,
        );
      case "repair":
        return client.callWithHeaders(
          "ProcessRepair",
          { a: { arg: payloadToValue(request.args, "args"), machine } },
          callOptions,
        );
    }
  })();
  return withNextStep(stepResultFromThrift(answer.value), answer.headers);
}

/**
 * MG's reading of a processor failure: resource unavailable → ProcessorUnavailableError, result unknown →
 * ProcessorTimeoutError (both transient), `RepairFailed` → RepairFailedError with the reason's stored bytes,
 * anything else (result unexpected, a reply that cannot be decoded or breaks the contract, a stored payload
 * that is not a msgpack.Value) → ProcessorFailedError, which fails the machine.
 */
export function processorErrorOf(thrown: unknown, peer: string, nowMs = Date.now()): Error {
  if (thrown instanceof WoodySystemError) {
    const message = `${peer}: ${thrown.message}`;
    const hints = { cause: thrown, ...failureHeadersOf(thrown.answerHeaders, nowMs) };
    if (thrown.errorClass === "resource unavailable") return new ProcessorUnavailableError(message, hints);
    if (thrown.errorClass === "result unknown") return new ProcessorTimeoutError(message, hints);
    return new ProcessorFailedError(message, { cause: thrown });
  }
  if (thrown instanceof WoodyBusinessError && thrown.typeName === "RepairFailed") {
    const { reason } = thrown.exception as stateProcessing.RepairFailed;
    return new RepairFailedError(encodeValue(reason));
  }
  const error = coerceError(thrown);
  return new ProcessorFailedError(`${peer}: ${error.message}`, { cause: error });
}
