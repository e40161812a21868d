/**
 * A Ratchet node in its own process, for the cluster tests: PostgreSQL storage and the chain namespace. It says
 * `ready` on stdout when it runs, `slow <machine id>` when it enters a slow step, and `error <code>` for each error
 * it could not hand to a caller (a fenced-out commit shows as `error lease_lost`). SIGTERM stops it cleanly.
 */
import { parseArgs } from "node:util";
import { createNode } from "../../src/runtime/create-node.js";
import { NatsSink } from "../../src/sinks/nats/nats-sink.js";
import { chainNamespace } from "./chain-processor.js";
import { NATS_URL } from "./nats-stream.js";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    "lease-ms": { type: "string", default: "1000" },
    "nats-stream": { type: "string" },
  },
});
const stream = values["nats-stream"];
const sinks =
  stream === undefined
    ? []
    : [new NatsSink({ name: "nats", servers: NATS_URL, stream, subjectPrefix: stream, ackTimeoutMs: 2000 })];

const node = await createNode({
  storage: { kind: "postgres", url: values.url as string, poolSize: 4, migrate: false },
  namespaces: () => [
    chainNamespace((machineId) => console.log(`slow ${machineId}`), {
      eventSinks: sinks.map((sink) => sink.name),
    }),
  ],
  sinks,
  relay: { backoffMsMax: 500 },
  leaseDurationMs: Number(values["lease-ms"]),
  pollIntervalMs: 250,
  onError: (error) => console.log(`error ${(error as { code?: string }).code ?? (error as Error).message}`),
});
console.log(`ready ${process.pid}`);
process.once("SIGTERM", () => {
  void node.close({ drainTimeoutMs: 2000 }).then(() => process.exit(0));
});
