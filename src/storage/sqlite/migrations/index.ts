/** Released migrations, in order. A released migration is never edited; a change is a new one. */
import { MIGRATION_0001 } from "./0001-initial.js";
import { MIGRATION_0002 } from "./0002-outbox.js";
import { MIGRATION_0003 } from "./0003-parked-outbox.js";
import { MIGRATION_0004 } from "./0004-step-journal.js";
import { MIGRATION_0005 } from "./0005-json-api.js";
import { MIGRATION_0006 } from "./0006-due-work-indexes.js";
import { MIGRATION_0007 } from "./0007-audit-log.js";
import { MIGRATION_0008 } from "./0008-bulk-runs.js";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

// Migrations are TypeScript strings rather than .sql files so the compiler ships them with no copy step.
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "initial", sql: MIGRATION_0001 },
  { version: 2, name: "outbox", sql: MIGRATION_0002 },
  { version: 3, name: "parked outbox", sql: MIGRATION_0003 },
  { version: 4, name: "step journal", sql: MIGRATION_0004 },
  { version: 5, name: "json api", sql: MIGRATION_0005 },
  { version: 6, name: "due work indexes", sql: MIGRATION_0006 },
  { version: 7, name: "audit log", sql: MIGRATION_0007 },
  { version: 8, name: "bulk runs", sql: MIGRATION_0008 },
];

export const LATEST_SQLITE_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
