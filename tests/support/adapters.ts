/**
 * The two storage adapters behind one opener, so an engine scenario runs on both: SQLite in a temporary file (a
 * restart opens the same file) and PostgreSQL in a fresh database copied from a migrated template, dropped after.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import type { DisposableDatabase } from "../../src/storage/postgres/disposable-database.js";
import {
  createDisposableDatabase,
  createMigratedTemplate,
} from "../../src/storage/postgres/disposable-database.js";
import { PostgresStorage } from "../../src/storage/postgres/postgres-storage.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import type { Storage } from "../../src/storage/storage.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const nowUs = () => Date.now() * 1000;

export interface AdapterPlace {
  /** Opens storage on this test's place; opened again, it sees what the last one committed. */
  open(): Promise<Storage>;
  /** Removes the place (the file or the database). */
  dispose(): Promise<void>;
}

export interface Adapter {
  readonly name: "SQLite" | "PostgreSQL";
  /** A fresh, empty place for one test. */
  place(): Promise<AdapterPlace>;
}

function sqlite(): Adapter {
  return {
    name: "SQLite",
    async place() {
      const folder = mkdtempSync(join(tmpdir(), "ratchet-adapter-"));
      const path = join(folder, "ratchet.db");
      return {
        open: async () => new SqliteStorage({ path, nowUs }),
        dispose: async () => rmSync(folder, { recursive: true, force: true }),
      };
    },
  };
}

/** PostgreSQL's template is made once per test file, in `before`, and dropped in `after`. */
function postgres(prefix: string): Adapter {
  let template: DisposableDatabase | undefined;
  before(async () => {
    template = await createMigratedTemplate(ADMIN_URL, {
      prefix: `${prefix}_tpl`,
      schema: "ratchet",
      nowUs: nowUs(),
    });
  });
  after(async () => {
    await template?.drop();
  });
  return {
    name: "PostgreSQL",
    async place() {
      if (template === undefined) throw new Error("the PostgreSQL template is made in before()");
      const database = await createDisposableDatabase(ADMIN_URL, { prefix, template: template.name });
      return {
        open: () =>
          PostgresStorage.open({
            connectionString: database.connectionString,
            poolSize: 4,
            statementTimeoutMs: 10_000,
            applicationName: prefix,
            nowUs,
            migrate: false,
          }),
        dispose: () => database.drop(),
      };
    },
  };
}

/** Both adapters; call at the top level of a test file (PostgreSQL registers its before/after hooks). */
export function bothAdapters(prefix: string): readonly Adapter[] {
  return [sqlite(), postgres(prefix)];
}
