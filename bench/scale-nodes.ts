/**
 * 1, 2 and 3 Ratchet nodes on one PostgreSQL database, each a process of its own chaining 64 machines of its
 * own. Throughput is counted in the database (the machines' last event ids before and after the window), CPU
 * from /proc for the node processes and for the database's backends.
 */
import { fileURLToPath } from "node:url";
import pg from "pg";
import { type BenchChild, startChild } from "./child-process.js";
import { startCpuProbe } from "./cpu-probe.js";
import type { BenchDatabase } from "./postgres-databases.js";
import { sleep } from "./workloads.js";

const NODE_SCRIPT = fileURLToPath(new URL("./processes/bench-node.js", import.meta.url));

export interface NodesResult {
  readonly nodes: number;
  readonly stepsPerSecond: number;
  readonly ratchetCpuUsPerStep: number;
  readonly postgresCpuUsPerStep: number;
}

export async function runNodes(
  database: BenchDatabase,
  nodes: number,
  seconds: number,
): Promise<NodesResult> {
  const children: BenchChild[] = [];
  try {
    for (let index = 0; index < nodes; index += 1) {
      children.push(
        await startChild({
          script: NODE_SCRIPT,
          args: [
            "--url",
            database.url,
            "--mode",
            "chain",
            "--machines",
            "64",
            "--prefix",
            `n${nodes}-${index}`,
          ],
          profileName: `nodes-${nodes}-node-${index}`,
          readyPattern: /ready/,
        }),
      );
    }
    await sleep(1000);
    const probe = await startCpuProbe({
      pids: children.map((child) => child.pid),
      postgres: database.target,
    });
    const before = await eventsInStore(database.url);
    const startedAt = performance.now();
    await sleep(seconds * 1000);
    const steps = (await eventsInStore(database.url)) - before;
    const elapsed = (performance.now() - startedAt) / 1000;
    const cpu = await probe.stop();
    return {
      nodes,
      stepsPerSecond: steps / elapsed,
      ratchetCpuUsPerStep: cpu.ratchetUs / steps,
      postgresCpuUsPerStep: cpu.postgresUs / steps,
    };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }
}

async function eventsInStore(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ events: string }>(
      "SELECT coalesce(sum(last_event_id), 0)::bigint AS events FROM ratchet.machines",
    );
    return Number(rows[0]?.events ?? 0);
  } finally {
    await client.end();
  }
}
