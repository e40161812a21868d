/**
 * Memory of one node holding many idle machines: a node process (SQLite) starts them, each appending one 64-byte
 * event and staying idle, and reports its RSS (after a full GC) and the history cache's bytes at checkpoints.
 * The RSS should follow the cache's bound (history_cache_size), not the number of machines.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startChild } from "./child-process.js";

const NODE_SCRIPT = fileURLToPath(new URL("./processes/bench-node.js", import.meta.url));

export interface MemoryPoint {
  readonly machines: number;
  readonly rssBytes: number;
  readonly historyCacheBytes: number;
}

/** `historyCacheBytes` absent: the default bound (64 MiB). */
export async function runIdleMemory(
  directory: string,
  machines: number,
  historyCacheBytes?: number,
): Promise<MemoryPoint[]> {
  const checkpoints = [machines / 10, machines / 2, machines].map((count) => Math.round(count / 200) * 200);
  const child = await startChild({
    script: NODE_SCRIPT,
    nodeArgs: ["--expose-gc"],
    args: [
      "--sqlite",
      join(directory, `memory-${historyCacheBytes ?? "default"}.db`),
      "--mode",
      "idle",
      "--machines",
      String(machines),
      "--checkpoints",
      checkpoints.join(","),
      ...(historyCacheBytes === undefined ? [] : ["--history-cache-bytes", String(historyCacheBytes)]),
    ],
    profileName: "idle-memory",
    readyPattern: /^ready$/m,
    timeoutMs: 600_000,
  });
  try {
    return [...child.output().matchAll(/^rss (\d+) (\d+) (\d+)$/gm)].map((match) => ({
      machines: Number(match[1]),
      rssBytes: Number(match[2]),
      historyCacheBytes: Number(match[3]),
    }));
  } finally {
    await child.stop();
  }
}
