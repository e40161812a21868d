/**
 * Brings a PostgreSQL schema to the latest version, one transaction per migration with its version row
 * inserted first: a concurrent migrator blocks on that row's key, and once the winner commits it fails with
 * unique_violation, stands down, and re-reads. A migration that builds indexes on live tables runs under a lock
 * instead (concurrent-migration.ts). A schema newer than this binary knows is refused.
 */
import type pg from "pg";
import { applyConcurrentMigration } from "./concurrent-migration.js";
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from "./migrations/index.js";
import { withClient } from "./pool.js";
import { sqlStateOf, UNIQUE_VIOLATION } from "./postgres-errors.js";
import { type QuotedSchemaName, quoteSchemaName } from "./schema-name.js";

export class SchemaTooNewError extends Error {
  readonly code = "schema_too_new";
}

/** The schema is older than this binary (or absent) and the storage was opened without migrating. */
export class SchemaOutdatedError extends Error {
  readonly code = "schema_outdated";
}

/** Two migrators creating the schema or the version table at once: the loser waits for the winner's commit and
 * then fails with one of these. unique_violation (23505) on the catalogs, duplicate_schema (42P06),
 * duplicate_table (42P07), duplicate_object (42710: the table's row type, seen when several race). Running the
 * IF NOT EXISTS statements again then finds the objects. */
const CREATE_CLASH_CODES: ReadonlySet<string> = new Set([UNIQUE_VIOLATION, "42P06", "42P07", "42710"]);

/** One clash is expected per racing migrator; a third means something else is wrong. */
const BOOTSTRAP_ATTEMPTS_MAX = 3;

export interface MigrateOptions {
  /** Stop after this version (tests bring databases up from each released version); default: the latest. */
  readonly targetVersion?: number;
}

/** Returns the schema version after migrating. */
export async function migratePostgres(
  pool: pg.Pool,
  schemaName: string,
  nowUs: number,
  options: MigrateOptions = {},
): Promise<number> {
  const schema = quoteSchemaName(schemaName);
  const targetVersion = options.targetVersion ?? LATEST_SCHEMA_VERSION;
  return withClient(pool, async (client) => {
    await bootstrap(client, schema);
    let applied = await readAppliedVersion(client, schema);
    refuseNewer(applied);
    for (const migration of MIGRATIONS) {
      if (migration.version <= applied || migration.version > targetVersion) continue;
      const ran =
        migration.concurrentIndexes === undefined
          ? await applyMigration(client, schema, migration, nowUs)
          : await applyConcurrentMigration(client, {
              schema,
              schemaName,
              migration,
              nowUs,
              readAppliedVersion: () => readAppliedVersion(client, schema),
            });
      // Stood down: another migrator applied this version; it may have applied later ones as well.
      applied = ran ? migration.version : await readAppliedVersion(client, schema);
      refuseNewer(applied);
    }
    return applied;
  });
}

/** For a storage opened without migrating: the schema must be exactly the version this binary knows. */
export async function assertSchemaCurrent(pool: pg.Pool, schemaName: string): Promise<void> {
  const schema = quoteSchemaName(schemaName);
  const applied = await withClient(pool, (client) => readAppliedVersion(client, schema));
  refuseNewer(applied);
  if (applied < LATEST_SCHEMA_VERSION) {
    throw new SchemaOutdatedError(
      `database schema ${schemaName} is at version ${applied}; this Ratchet needs ${LATEST_SCHEMA_VERSION} (run migrate)`,
    );
  }
}

function refuseNewer(applied: number): void {
  if (applied > LATEST_SCHEMA_VERSION) {
    throw new SchemaTooNewError(
      `database schema version ${applied} is newer than this Ratchet (${LATEST_SCHEMA_VERSION})`,
    );
  }
}

async function bootstrap(client: pg.PoolClient, schema: QuotedSchemaName): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at_us bigint NOT NULL)`);
      return;
    } catch (error) {
      const sqlState = sqlStateOf(error);
      if (sqlState === undefined || !CREATE_CLASH_CODES.has(sqlState) || attempt >= BOOTSTRAP_ATTEMPTS_MAX) {
        throw error;
      }
    }
  }
}

/** 0 when the version table does not exist yet. */
async function readAppliedVersion(client: pg.PoolClient, schema: QuotedSchemaName): Promise<number> {
  const table = await client.query<{ exists: boolean }>({
    text: "SELECT to_regclass($1::text) IS NOT NULL AS exists",
    values: [`${schema}.schema_migrations`],
  });
  if (table.rows[0]?.exists !== true) return 0;
  const result = await client.query<{ version: number }>(
    `SELECT coalesce(max(version), 0) AS version FROM ${schema}.schema_migrations`,
  );
  return result.rows[0]?.version ?? 0;
}

/** Returns false when another migrator committed this version first. */
async function applyMigration(
  client: pg.PoolClient,
  schema: QuotedSchemaName,
  migration: Migration,
  nowUs: number,
): Promise<boolean> {
  await client.query("BEGIN");
  try {
    await client.query(`SET LOCAL search_path TO ${schema}`);
    try {
      await client.query({
        text: `INSERT INTO ${schema}.schema_migrations (version, name, applied_at_us)
          VALUES ($1::integer, $2::text, $3::bigint)`,
        values: [migration.version, migration.name, nowUs],
      });
    } catch (error) {
      if (sqlStateOf(error) !== UNIQUE_VIOLATION) throw error;
      await client.query("ROLLBACK");
      return false;
    }
    await client.query(migration.sql);
    await client.query("COMMIT");
    return true;
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
}
