/** Released migrations, in order. A released migration is never edited; a change is a new one. */
import { MIGRATION_0001 } from "./0001-initial.js";
import { MIGRATION_0002 } from "./0002-outbox.js";
import { MIGRATION_0003 } from "./0003-parked-outbox.js";
import { MIGRATION_0004 } from "./0004-step-journal.js";
import { MIGRATION_0005 } from "./0005-json-api.js";
import { MIGRATION_0007 } from "./0007-bulk-runs.js";

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
  { version: 7, name: "bulk runs", sql: MIGRATION_0007 },
];
