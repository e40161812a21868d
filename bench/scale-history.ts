/**
 * `get` of the last 10 events at history lengths 10 → 100,000: one machine per length, started through the
 * engine (its first event is Ratchet's own), its history grown by copying that event in SQL, then read by a
 * fresh node 200 times each. The figure must stay flat: a read of the tail never scans the history.
 */
import Database from "better-sqlite3";
import pg from "pg";
import type { StorageChoice } from "../src/runtime/create-node.js";
import { createNode } from "../src/runtime/create-node.js";
import { columnList, copyColumns, postgresColumns, sqliteColumns } from "./idle-machines.js";
import { latencySummary } from "./stats.js";
import { BENCH_NAMESPACE, benchNamespace } from "./workloads.js";

export const HISTORY_LENGTHS = [10, 100, 1_000, 10_000, 100_000] as const;
const READS = 200;

export interface HistoryReadResult {
  readonly length: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export async function runHistoryReads(storage: StorageChoice): Promise<HistoryReadResult[]> {
  const starter = await createNode({ storage, namespaces: () => [benchNamespace()] });
  try {
    for (const length of HISTORY_LENGTHS)
      await starter.engine.start(BENCH_NAMESPACE, `h${length}`, new Uint8Array(0));
  } finally {
    await starter.close();
  }
  for (const length of HISTORY_LENGTHS) await growHistory(storage, `h${length}`, length);
  const reader = await createNode({ storage, namespaces: () => [benchNamespace()] });
  try {
    const results: HistoryReadResult[] = [];
    for (const length of HISTORY_LENGTHS) {
      const samples: number[] = [];
      for (let read = 0; read < READS; read += 1) {
        const began = performance.now();
        const snapshot = await reader.engine.get(BENCH_NAMESPACE, `h${length}`, {
          limit: 10,
          direction: "backward",
        });
        samples.push(performance.now() - began);
        if (snapshot.history.length !== Math.min(10, length))
          throw new Error(`h${length}: read ${snapshot.history.length} events`);
      }
      const summary = latencySummary(samples);
      results.push({ length, p50Ms: summary.p50, p99Ms: summary.p99 });
    }
    return results;
  } finally {
    await reader.close();
  }
}

/** Copies event 1 of the machine as events 2…length and moves its last_event_id to length. */
async function growHistory(storage: StorageChoice, machineId: string, length: number): Promise<void> {
  if (length <= 1) return;
  if (storage.kind === "sqlite") {
    const db = new Database(storage.path);
    try {
      const columns = sqliteColumns(db, "events");
      const copy = db.prepare(
        `INSERT INTO events (${columnList(columns)}) SELECT ${copyColumns(columns, "?", "event_id")}
         FROM events WHERE namespace = ? AND machine_id = ? AND event_id = 1`,
      );
      db.transaction(() => {
        for (let id = 2; id <= length; id += 1) copy.run(id, BENCH_NAMESPACE, machineId);
        db.prepare("UPDATE machines SET last_event_id = ? WHERE namespace = ? AND machine_id = ?").run(
          length,
          BENCH_NAMESPACE,
          machineId,
        );
      })();
    } finally {
      db.close();
    }
    return;
  }
  const schema = storage.schema ?? "ratchet";
  const client = new pg.Client({ connectionString: storage.url });
  await client.connect();
  try {
    const columns = await postgresColumns(client, schema, "events");
    await client.query(
      `INSERT INTO "${schema}".events (${columnList(columns)}) SELECT ${copyColumns(columns, "g", "event_id")}
       FROM "${schema}".events, generate_series(2, $3::bigint) g WHERE namespace = $1 AND machine_id = $2 AND event_id = 1`,
      [BENCH_NAMESPACE, machineId, length],
    );
    await client.query(
      `UPDATE "${schema}".machines SET last_event_id = $3 WHERE namespace = $1 AND machine_id = $2`,
      [BENCH_NAMESPACE, machineId, length],
    );
    await client.query(`ANALYZE "${schema}".events`);
  } finally {
    await client.end();
  }
}
