/**
 * The processor side of the HTTP-JSON call workload: the woody workload's processor written with the SDK (init
 * changes nothing; a call appends one 64-byte event and echoes its argument) and served by serveProcessor, with the node's HTTP-JSON
 * client for it. Only the processor hop differs from the woody workload, so the two compare the protocols.
 */
import { randomBytes } from "node:crypto";
import { createHttpJsonProcessor } from "../src/http/processor-protocol/http-json-processor.js";
import type { Processor } from "../src/processors/processor.js";
import { defineProcessor, serveProcessor } from "../src/sdk/index.js";

const EVENT_BYTES = 64;

export async function startHttpJsonBenchProcessor(options: {
  readonly poolSize: number;
  readonly nowUs: () => number;
}): Promise<{ readonly processor: Processor; close(): Promise<void> }> {
  const served = await serveProcessor(
    defineProcessor({
      init: ({ result }) => result,
      call: ({ args, result }) =>
        result.append({ $bytes: randomBytes(EVENT_BYTES).toString("base64") }).respond(args),
    }),
    { port: 0 },
  );
  const processor = createHttpJsonProcessor({
    url: `${served.url}/bench`,
    poolSize: options.poolSize,
    nowUs: options.nowUs,
  });
  return {
    processor,
    async close() {
      await processor.close?.();
      await served.close();
    },
  };
}
