/**
 * The physical ceilings of PostgreSQL for one step's writes: update the machine row and insert one 64-byte event,
 * durably (synchronous_commit on), with the same driver at the same concurrency as the chain workload.
 * - "transaction": BEGIN, UPDATE … RETURNING, INSERT, COMMIT: four round trips, what a naive engine reaches.
 * - "round-trip": the UPDATE and the INSERT as one statement (a CTE) in its own implicit transaction: one round
 *   trip and one WAL flush per step, the best one step at a time can do.
 */
import pg from "pg";
import { payload } from "./payload.js";

export type CeilingMode = "transaction" | "round-trip";

const UPDATE_MACHINE =
  "UPDATE ceiling_machines SET last_event_id = last_event_id + 1, updated_at_us = $1 WHERE id = $2 RETURNING last_event_id";
const UPDATE_AND_INSERT = `WITH machine AS (${UPDATE_MACHINE})
  INSERT INTO ceiling_events SELECT $2, last_event_id, $1, $3 FROM machine`;

export async function postgresCeiling(options: {
  url: string;
  seconds: number;
  concurrency: number;
  mode?: CeilingMode;
  /** Called after each committed step (for a caller that reads its own window, as the peers' runner does). */
  onStep?: () => void;
}): Promise<{ stepsPerSecond: number; steps: number }> {
  const pool = new pg.Pool({ connectionString: options.url, max: options.concurrency });
  const mode = options.mode ?? "transaction";
  try {
    await pool.query(`DROP TABLE IF EXISTS ceiling_machines, ceiling_events;
      CREATE TABLE ceiling_machines (id int PRIMARY KEY, last_event_id bigint NOT NULL, updated_at_us bigint NOT NULL);
      CREATE TABLE ceiling_events (machine_id int, event_id bigint, created_at_us bigint, data bytea, PRIMARY KEY (machine_id, event_id));
      INSERT INTO ceiling_machines SELECT g, 0, 0 FROM generate_series(0, ${options.concurrency - 1}) g;`);
    let steps = 0;
    const startedAt = performance.now();
    const endAt = startedAt + options.seconds * 1000;
    await Promise.all(
      Array.from({ length: options.concurrency }, async (_, machineId) => {
        const client = await pool.connect();
        try {
          while (performance.now() < endAt) {
            await (mode === "transaction" ? stepInTransaction : stepInOneStatement)(client, machineId);
            steps += 1;
            options.onStep?.();
          }
        } finally {
          client.release();
        }
      }),
    );
    return { stepsPerSecond: steps / ((performance.now() - startedAt) / 1000), steps };
  } finally {
    await pool.end();
  }
}

async function stepInTransaction(client: pg.PoolClient, machineId: number): Promise<void> {
  const now = Date.now() * 1000;
  await client.query("BEGIN");
  const { rows } = await client.query<{ last_event_id: string }>(UPDATE_MACHINE, [now, machineId]);
  await client.query("INSERT INTO ceiling_events VALUES ($1, $2, $3, $4)", [
    machineId,
    rows[0]?.last_event_id,
    now,
    payload(),
  ]);
  await client.query("COMMIT");
}

async function stepInOneStatement(client: pg.PoolClient, machineId: number): Promise<void> {
  await client.query(UPDATE_AND_INSERT, [Date.now() * 1000, machineId, payload()]);
}
