/**
 * `ratchet migrate`: brings the configured storage's schema to this build's version and prints it; with
 * `--check`, changes nothing and exits 1 if the schema is behind (or ahead of) this build. PostgreSQL nodes
 * also migrate when they start unless told not to; an SQLite file is migrated whenever it is opened, so for
 * SQLite this command only creates or upgrades the file ahead of time.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import type { StorageConfig } from "../config/schema.js";
import { SystemClock } from "../runtime/system-clock.js";
import { MIGRATIONS as SQLITE_MIGRATIONS } from "../storage/sqlite/migrations/index.js";
import { SqliteStorage } from "../storage/sqlite/sqlite-storage.js";
import type { CliIo } from "./command-arguments.js";
import { EXIT } from "./exit-codes.js";
import { STORAGE_OPTIONS, STORAGE_USAGE, storageTargetOf } from "./storage-target.js";

export const MIGRATE_USAGE = `usage: ratchet migrate ${STORAGE_USAGE} [--check]

  applies pending migrations and prints the schema version
  --check   changes nothing; exit 0 if the schema is this build's version, 1 if it is behind or ahead`;

const SQLITE_LATEST_VERSION = SQLITE_MIGRATIONS.at(-1)?.version ?? 0;

/** The schema is not the version this build runs on (`--check`). */
export class SchemaNotCurrentError extends Error {
  readonly code = "schema_not_current";
}

export async function runMigrateCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { ...STORAGE_OPTIONS, check: { type: "boolean", default: false } },
  });
  const target = await storageTargetOf(values, io);
  const { storage } = target;
  const version =
    storage.type === "sqlite"
      ? await migrateSqliteFile(storage.path, values.check)
      : await migratePostgresSchema(storage, values.check);
  io.write(`${target.description}: schema version ${version}${values.check ? " (current)" : ""}`);
  return EXIT.ok;
}

async function migrateSqliteFile(path: string, check: boolean): Promise<number> {
  if (!check) {
    const clock = new SystemClock();
    // Opening migrates, and refuses a file newer than this build.
    await new SqliteStorage({ path, nowUs: () => clock.nowUs() }).close();
    return SQLITE_LATEST_VERSION;
  }
  if (path === ":memory:" || !existsSync(path)) {
    throw new SchemaNotCurrentError(`there is no SQLite database at ${path} yet (run ratchet migrate)`);
  }
  const version = sqliteSchemaVersion(path);
  if (version !== SQLITE_LATEST_VERSION) {
    const hint = version < SQLITE_LATEST_VERSION ? " (run ratchet migrate)" : "";
    throw new SchemaNotCurrentError(
      `SQLite database at ${path} is at schema version ${version}; this Ratchet needs ${SQLITE_LATEST_VERSION}${hint}`,
    );
  }
  return version;
}

/** The applied version, read without writing; 0 for a file Ratchet never migrated. */
function sqliteSchemaVersion(path: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const table = db
      .prepare(
        "SELECT count(*) AS found FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
      )
      .get() as { found: number };
    if (table.found === 0) return 0;
    const row = db.prepare("SELECT coalesce(max(version), 0) AS version FROM schema_migrations").get() as {
      version: number;
    };
    return row.version;
  } finally {
    db.close();
  }
}

async function migratePostgresSchema(
  storage: Extract<StorageConfig, { type: "postgres" }>,
  check: boolean,
): Promise<number> {
  // Loaded on demand, as in the composition root, so SQLite users never load the PostgreSQL driver.
  const { createPool } = await import("../storage/postgres/pool.js");
  const { assertSchemaCurrent, migratePostgres } = await import("../storage/postgres/migrate.js");
  const { LATEST_SCHEMA_VERSION } = await import("../storage/postgres/migrations/index.js");
  const pool = createPool(
    {
      connectionString: storage.url,
      applicationName: "ratchet migrate",
      // A migration may rewrite a large table; the server must not cancel it halfway (it would roll back).
      statementTimeoutMs: 0,
      connectionTimeoutMs: 5_000,
      poolSize: 1,
    },
    // An idle connection that breaks needs no report: the next query on the pool fails and says why.
    () => undefined,
  );
  try {
    if (check) {
      await assertSchemaCurrent(pool, storage.schema);
      return LATEST_SCHEMA_VERSION;
    }
    return await migratePostgres(pool, storage.schema, new SystemClock().nowUs());
  } finally {
    await pool.end();
  }
}
