/**
 * A Ratchet node in a process of its own for the scale curves, on the bench namespace (one 64-byte event per
 * step). `--mode chain`: starts `--machines` chaining machines and keeps them stepping until SIGTERM.
 * `--mode idle`: starts `--machines` machines that append one event and stay idle, printing
 * `rss <machines> <rss bytes> <history cache bytes>` at each of `--checkpoints` (after a full GC when run with
 * --expose-gc). `--history-cache-bytes` sets the node's history_cache_size. Prints `ready` when its machines are
 * started.
 */
import { parseArgs } from "node:util";
import { createNode } from "../../src/runtime/create-node.js";
import { benchNamespace } from "../workloads.js";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    sqlite: { type: "string" },
    mode: { type: "string", default: "chain" },
    machines: { type: "string", default: "64" },
    prefix: { type: "string", default: "n" },
    checkpoints: { type: "string", default: "" },
    "history-cache-bytes": { type: "string" },
  },
});
const storage =
  values.sqlite !== undefined
    ? ({ kind: "sqlite", path: values.sqlite } as const)
    : ({ kind: "postgres", url: values.url as string, migrate: false } as const);
const cacheBytes = values["history-cache-bytes"];
const node = await createNode({
  storage,
  namespaces: () => [benchNamespace()],
  ...(cacheBytes === undefined ? {} : { historyCacheBytesMax: Number(cacheBytes) }),
});
const machines = Number(values.machines);
const args = values.mode === "chain" ? new Uint8Array([1]) : new Uint8Array(0);
const checkpoints = new Set(
  (values.checkpoints ?? "")
    .split(",")
    .filter((text) => text !== "")
    .map(Number),
);
const BATCH = 200;
for (let first = 0; first < machines; first += BATCH) {
  const count = Math.min(BATCH, machines - first);
  await Promise.all(
    Array.from({ length: count }, (_, index) =>
      node.engine.start("bench", `${values.prefix}-${first + index}`, args),
    ),
  );
  const started = first + count;
  if (checkpoints.has(started)) {
    (globalThis as { gc?: () => void }).gc?.();
    const { historyCacheBytes } = node.engine.stats();
    console.log(`rss ${started} ${process.memoryUsage().rss} ${historyCacheBytes}`);
  }
}
console.log("ready");
process.once("SIGTERM", () => {
  void node.close({ drainTimeoutMs: 5000 }).then(() => process.exit(0));
});
