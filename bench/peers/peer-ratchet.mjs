/**
 * Ratchet on PostgreSQL (the project's built bench modules, `npm run build` at the root first): CHAINS machines
 * chaining zero-delay timers, one 64-byte event per step, the shape of the chain workload of `npm run bench`.
 */
import { createNode } from "../../dist/src/runtime/create-node.js";
import { benchNamespace, BENCH_NAMESPACE, startMachines } from "../../dist/bench/workloads.js";
import { CHAINS, measureWindow, peerArgs } from "./chain-window.mjs";

const { url, seconds } = peerArgs();
const node = await createNode({ storage: { kind: "postgres", url }, namespaces: () => [benchNamespace()] });
const ids = Array.from({ length: CHAINS }, (_, index) => `chain-${index}`);
await startMachines(node.engine, ids, new Uint8Array([1]));
const counter = {
  get steps() {
    return node.engine.stats().committedSteps;
  },
};
await measureWindow(`Ratchet on PostgreSQL (${BENCH_NAMESPACE} chain, ${CHAINS} machines)`, counter, seconds);
await node.close({ drainTimeoutMs: 10_000 });
process.exit(0);
