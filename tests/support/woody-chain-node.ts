/**
 * A Ratchet node in its own process whose namespace "woody" calls a woody (MG Thrift) processor at a URL: for the
 * cluster tests of processor calls and leases. It says `ready <pid>` on stdout when it runs, `error <code>` for each
 * error no caller received. SIGTERM stops it cleanly.
 */
import { parseArgs } from "node:util";
import { createWoodyProcessor } from "../../src/mg/processor/woody-processor.js";
import { createNode } from "../../src/runtime/create-node.js";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    processor: { type: "string" },
    "lease-ms": { type: "string", default: "1000" },
  },
});
const processor = createWoodyProcessor({ url: values.processor as string, nowUs: () => Date.now() * 1000 });
const node = await createNode({
  storage: { kind: "postgres", url: values.url as string, poolSize: 4, migrate: false },
  namespaces: () => [
    {
      name: "woody",
      processor,
      timerRetryPolicy: { backoff: { kind: "linear", initialIntervalMs: 20, incrementMs: 0 } },
    },
  ],
  leaseDurationMs: Number(values["lease-ms"]),
  pollIntervalMs: 100,
  onError: (error) => console.log(`error ${(error as { code?: string }).code ?? (error as Error).message}`),
});
console.log(`ready ${process.pid}`);
process.once("SIGTERM", () => {
  void node.close({ drainTimeoutMs: 2000 }).then(async () => {
    await processor.close?.();
    process.exit(0);
  });
});
