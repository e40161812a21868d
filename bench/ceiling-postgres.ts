/**
 * The physical ceiling of PostgreSQL for one step's writes: update the machine row and insert one 64-byte event,
 * as one durable transaction (synchronous_commit on), issued with the same driver at the same concurrency as the
 * chain workload. This is what a naive engine, one transaction per step, can reach at best.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export async function postgresCeiling(options: {
  url: string;
  seconds: number;
  concurrency: number;
}): Promise<{ stepsPerSecond: number }> {
  const pool = new pg.Pool({ connectionString: options.url, max: options.concurrency });
  try {
    await pool.query(`CREATE TABLE ceiling_machines (id int PRIMARY KEY, last_event_id bigint NOT NULL, updated_at_us bigint NOT NULL);
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
            const now = Date.now() * 1000;
            await client.query("BEGIN");
            const { rows } = await client.query<{ last_event_id: string }>(
              "UPDATE ceiling_machines SET last_event_id = last_event_id + 1, updated_at_us = $1 WHERE id = $2 RETURNING last_event_id",
              [now, machineId],
            );
            await client.query("INSERT INTO ceiling_events VALUES ($1, $2, $3, $4)", [
              machineId,
              rows[0]?.last_event_id,
              now,
              randomBytes(64),
            ]);
            await client.query("COMMIT");
            steps += 1;
          }
        } finally {
          client.release();
        }
      }),
    );
    return { stepsPerSecond: steps / ((performance.now() - startedAt) / 1000) };
  } finally {
    await pool.end();
  }
}
