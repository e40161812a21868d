/**
 * A migration that builds indexes on live tables. CREATE INDEX CONCURRENTLY lets steps keep writing while it
 * builds, but it cannot run in a transaction, so such a migration cannot claim its version row first as the
 * others do. Instead migrators take the schema's migration lock (a session advisory lock, tried every 100 ms:
 * a migrator blocked inside pg_advisory_lock would hold a snapshot the index build waits for), look at the
 * version again, and run each part so that it can be run again: the transactional part with IF NOT EXISTS, then
 * each index, dropping first an INVALID one that a migrator which died mid-build left behind, and last the
 * version row.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import type { ConcurrentIndex, Migration } from "./migrations/index.js";
import type { QuotedSchemaName } from "./schema-name.js";

const LOCK_POLL_MS = 100;
/** A migrator waits this long for another one's index builds (large tables take minutes), then gives up. */
const LOCK_WAIT_MS_MAX = 60 * 60 * 1000;

/** Returns false when another migrator applied this version meanwhile. */
export async function applyConcurrentMigration(
  client: pg.PoolClient,
  options: {
    schema: QuotedSchemaName;
    schemaName: string;
    migration: Migration;
    nowUs: number;
    readAppliedVersion: () => Promise<number>;
  },
): Promise<boolean> {
  const { schema, schemaName, migration } = options;
  const lockKey = `ratchet migrate ${schemaName}`;
  await takeMigrationLock(client, lockKey);
  try {
    if ((await options.readAppliedVersion()) >= migration.version) return false;
    await client.query("BEGIN");
    try {
      await client.query(`SET LOCAL search_path TO ${schema}`);
      await client.query(migration.sql);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    }
    // An index build on a large table outlasts any statement timeout a pool is given.
    await client.query("SET statement_timeout = 0");
    try {
      for (const index of migration.concurrentIndexes ?? [])
        await buildIndex(client, schema, schemaName, index);
    } finally {
      await client.query("RESET statement_timeout");
    }
    await client.query({
      text: `INSERT INTO ${schema}.schema_migrations (version, name, applied_at_us)
        VALUES ($1::integer, $2::text, $3::bigint)`,
      values: [migration.version, migration.name, options.nowUs],
    });
    return true;
  } finally {
    await client.query({
      text: "SELECT pg_advisory_unlock(hashtextextended($1::text, 0))",
      values: [lockKey],
    });
  }
}

async function takeMigrationLock(client: pg.PoolClient, lockKey: string): Promise<void> {
  for (let waitedMs = 0; ; waitedMs += LOCK_POLL_MS) {
    const result = await client.query<{ locked: boolean }>({
      text: "SELECT pg_try_advisory_lock(hashtextextended($1::text, 0)) AS locked",
      values: [lockKey],
    });
    if (result.rows[0]?.locked === true) return;
    if (waitedMs >= LOCK_WAIT_MS_MAX) {
      throw new Error(
        `another migrator held the migration lock of ${lockKey} for over ${LOCK_WAIT_MS_MAX} ms`,
      );
    }
    await sleep(LOCK_POLL_MS);
  }
}

/** An index left INVALID by a failed or interrupted build is dropped and built again; a valid one is kept. */
async function buildIndex(
  client: pg.PoolClient,
  schema: QuotedSchemaName,
  schemaName: string,
  index: ConcurrentIndex,
): Promise<void> {
  const found = await client.query<{ valid: boolean }>({
    text: `SELECT i.indisvalid AS valid FROM pg_index i
      JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1::text AND c.relname = $2::text`,
    values: [schemaName, index.name],
  });
  if (found.rows[0]?.valid === false)
    await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${schema}.${index.name}`);
  await client.query(
    `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${index.name} ON ${schema}.${index.definition}`,
  );
}
