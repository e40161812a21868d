/**
 * `npm run bench -- --scale [--quick]`: the scale curves, printed as tables. Chain steps/s at 64, 1,000 and
 * 10,000 machines; `get` of the last 10 events at history lengths 10 → 100,000; storage bytes per event and per
 * idle machine; 1, 2 and 3 node processes on one PostgreSQL; RSS of one node holding many idle machines.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNode } from "../src/runtime/create-node.js";
import type { BenchOptions } from "./options.js";
import { type BenchDatabases, benchDatabases } from "./postgres-databases.js";
import { printTable, section } from "./report.js";
import { runHistoryReads } from "./scale-history.js";
import { runIdleMemory } from "./scale-memory.js";
import { runNodes } from "./scale-nodes.js";
import { runStorageCost } from "./scale-storage.js";
import { round } from "./stats.js";
import { benchNamespace, runChain } from "./workloads.js";

export async function runScaleSection(options: BenchOptions): Promise<Record<string, number>> {
  const databases = await benchDatabases();
  const directory = mkdtempSync(join(tmpdir(), "ratchet-bench-scale-"));
  try {
    return {
      ...(await chainCurve(options, databases)),
      ...(await historyCurve(directory, databases)),
      ...(await storageCost(options, directory, databases)),
      ...(await nodesCurve(options, databases)),
      ...(await memoryCurve(options, directory)),
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
    await databases.dropAll();
  }
}

async function chainCurve(options: BenchOptions, databases: BenchDatabases): Promise<Record<string, number>> {
  section("Chain on PostgreSQL by number of machines");
  const rows: (string | number)[][] = [];
  const figures: Record<string, number> = {};
  for (const machines of [64, 1_000, 10_000]) {
    const database = await databases.fresh();
    const node = await createNode({
      storage: { kind: "postgres", url: database.url, migrate: false },
      namespaces: () => [benchNamespace()],
    });
    const chain = await runChain(node.engine, {
      machines,
      seconds: options.seconds,
      prefix: "c",
      postgres: database.target,
    }).finally(() => node.close({ drainTimeoutMs: 10_000 }));
    rows.push([
      machines,
      round(chain.stepsPerSecond),
      round(chain.stepsPerCommit, 1),
      round(chain.cpu.ratchetUs / chain.steps),
      round(chain.cpu.postgresUs / chain.steps),
    ]);
    figures[`scale_chain_pg_${machines}_steps_per_s`] = round(chain.stepsPerSecond);
  }
  printTable(["machines", "steps/s", "steps/commit", "Ratchet CPU µs/step", "PostgreSQL CPU µs/step"], rows);
  return figures;
}

async function historyCurve(directory: string, databases: BenchDatabases): Promise<Record<string, number>> {
  section("get of the last 10 events by history length (200 reads each, a fresh node)");
  const sqlite = await runHistoryReads({ kind: "sqlite", path: join(directory, "history.db") });
  const postgres = await runHistoryReads({
    kind: "postgres",
    url: (await databases.fresh()).url,
    migrate: false,
  });
  printTable(
    ["events", "SQLite p50 ms", "SQLite p99 ms", "PostgreSQL p50 ms", "PostgreSQL p99 ms"],
    sqlite.map((row, index) => [
      row.length,
      round(row.p50Ms, 3),
      round(row.p99Ms, 3),
      round(postgres[index]?.p50Ms ?? Number.NaN, 3),
      round(postgres[index]?.p99Ms ?? Number.NaN, 3),
    ]),
  );
  const flatness = (rows: typeof sqlite) =>
    round((rows.at(-1)?.p50Ms ?? Number.NaN) / (rows[0]?.p50Ms ?? Number.NaN), 2);
  return {
    scale_get_sqlite_100000_to_10_p50_ratio: flatness(sqlite),
    scale_get_pg_100000_to_10_p50_ratio: flatness(postgres),
  };
}

async function storageCost(
  options: BenchOptions,
  directory: string,
  databases: BenchDatabases,
): Promise<Record<string, number>> {
  section("Storage bytes (64-byte events; an idle machine holds one event)");
  const idleMachines = options.quick ? 2_000 : 10_000;
  const run = { seconds: options.seconds, idleMachines };
  const sqlite = await runStorageCost({
    ...run,
    chainStorage: { kind: "sqlite", path: join(directory, "bytes-chain.db") },
    idleStorage: { kind: "sqlite", path: join(directory, "bytes-idle.db") },
  });
  const postgres = await runStorageCost({
    ...run,
    chainStorage: { kind: "postgres", url: (await databases.fresh()).url, migrate: false },
    idleStorage: { kind: "postgres", url: (await databases.fresh()).url, migrate: false },
  });
  printTable(
    ["storage", "bytes per event", `bytes per idle machine (${idleMachines.toLocaleString("en")})`],
    [
      ["SQLite", round(sqlite.bytesPerEvent), round(sqlite.bytesPerIdleMachine)],
      ["PostgreSQL", round(postgres.bytesPerEvent), round(postgres.bytesPerIdleMachine)],
    ],
  );
  return {
    scale_bytes_per_event_sqlite: round(sqlite.bytesPerEvent),
    scale_bytes_per_idle_machine_sqlite: round(sqlite.bytesPerIdleMachine),
    scale_bytes_per_event_pg: round(postgres.bytesPerEvent),
    scale_bytes_per_idle_machine_pg: round(postgres.bytesPerIdleMachine),
  };
}

async function nodesCurve(options: BenchOptions, databases: BenchDatabases): Promise<Record<string, number>> {
  section("Nodes on one PostgreSQL (each a process chaining 64 machines of its own)");
  const rows: (string | number)[][] = [];
  const figures: Record<string, number> = {};
  for (const nodes of [1, 2, 3]) {
    const result = await runNodes(await databases.fresh(), nodes, options.seconds);
    rows.push([
      nodes,
      round(result.stepsPerSecond),
      round(result.ratchetCpuUsPerStep),
      round(result.postgresCpuUsPerStep),
    ]);
    figures[`scale_nodes_${nodes}_steps_per_s`] = round(result.stepsPerSecond);
  }
  printTable(["nodes", "steps/s", "Ratchet CPU µs/step", "PostgreSQL CPU µs/step"], rows);
  return figures;
}

async function memoryCurve(options: BenchOptions, directory: string): Promise<Record<string, number>> {
  const machines = options.quick ? 20_000 : 100_000;
  const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);
  const figures: Record<string, number> = {};
  // The default bound, then a small one: RSS must follow the bound, not the number of machines.
  for (const [label, bytes, key] of [
    ["64M", undefined, "scale_idle_rss_mb"],
    ["1M", 1024 * 1024, "scale_idle_rss_mb_cache_1m"],
  ] as const) {
    section(
      `Memory of one node holding idle machines (SQLite, history_cache_size ${label}, up to ${machines.toLocaleString("en")})`,
    );
    const points = await runIdleMemory(directory, machines, bytes);
    printTable(
      ["idle machines", "RSS MB", "history cache MB"],
      points.map((point) => [point.machines, mb(point.rssBytes), mb(point.historyCacheBytes)]),
    );
    const last = points.at(-1);
    if (last === undefined) continue;
    figures[key] = mb(last.rssBytes);
    figures.scale_idle_machines = last.machines;
  }
  return figures;
}
