/** Released PostgreSQL migrations, in order. A released migration is never edited; a change is a new one. */
import { MIGRATION_0001 } from "./0001-initial.js";
import { MIGRATION_0002 } from "./0002-outbox.js";
import { MIGRATION_0003 } from "./0003-parked-outbox.js";
import { MIGRATION_0004 } from "./0004-step-journal.js";
import { MIGRATION_0005, MIGRATION_0005_INDEXES } from "./0005-json-api.js";
import { MIGRATION_0006, MIGRATION_0006_INDEXES } from "./0006-due-work-indexes.js";
import { MIGRATION_0007 } from "./0007-audit-log.js";
import { MIGRATION_0008 } from "./0008-bulk-runs.js";

/** An index built with CREATE INDEX CONCURRENTLY: `definition` is what follows `ON`, in the schema's path. */
export interface ConcurrentIndex {
  readonly name: string;
  readonly definition: string;
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Runs inside the migration's transaction with search_path set to the configured schema. */
  readonly sql: string;
  /**
   * Indexes on live tables, built without a transaction after `sql` commits and before the version row is
   * written. A migration that has them runs under the schema's migration lock, and every part of it must be
   * safe to run again (IF NOT EXISTS): a migrator that died halfway leaves it to the next one.
   */
  readonly concurrentIndexes?: readonly ConcurrentIndex[];
}

// Migrations are TypeScript strings rather than .sql files so the compiler ships them with no copy step.
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "initial", sql: MIGRATION_0001 },
  { version: 2, name: "outbox", sql: MIGRATION_0002 },
  { version: 3, name: "parked outbox", sql: MIGRATION_0003 },
  { version: 4, name: "step journal", sql: MIGRATION_0004 },
  { version: 5, name: "json api", sql: MIGRATION_0005, concurrentIndexes: MIGRATION_0005_INDEXES },
  {
    version: 6,
    name: "due work indexes",
    sql: MIGRATION_0006,
    concurrentIndexes: MIGRATION_0006_INDEXES,
  },
  { version: 7, name: "audit log", sql: MIGRATION_0007 },
  { version: 8, name: "bulk runs", sql: MIGRATION_0008 },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
