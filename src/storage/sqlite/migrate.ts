/** Brings an SQLite database to the latest schema; refuses a schema newer than this binary knows. */
import type BetterSqlite3 from "better-sqlite3";
import { LATEST_SQLITE_SCHEMA_VERSION, MIGRATIONS } from "./migrations/index.js";

export class SchemaTooNewError extends Error {
  readonly code = "schema_too_new";
}

export function migrateSqlite(db: BetterSqlite3.Database, nowUs: number): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_us INTEGER NOT NULL)`);
  const applied = db.prepare("SELECT coalesce(max(version), 0) AS version FROM schema_migrations").get() as {
    version: number;
  };
  const latest = LATEST_SQLITE_SCHEMA_VERSION;
  if (applied.version > latest) {
    throw new SchemaTooNewError(
      `database schema version ${applied.version} is newer than this Ratchet (${latest})`,
    );
  }
  const insertVersion = db.prepare(
    "INSERT INTO schema_migrations (version, name, applied_at_us) VALUES (?, ?, ?)",
  );
  for (const migration of MIGRATIONS) {
    if (migration.version <= applied.version) continue;
    // The version row goes in first: a concurrent migrator hits its primary key and stands down.
    db.transaction(() => {
      insertVersion.run(migration.version, migration.name, nowUs);
      db.exec(migration.sql);
    }).immediate();
  }
  return latest;
}
