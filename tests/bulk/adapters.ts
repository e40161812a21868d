/**
 * The two storages the bulk tests run on, each fresh per test: an SQLite file in a new folder (a file, so two
 * nodes of one test can share it), and a PostgreSQL database copied from a migrated template; both removed after.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StorageChoice } from "../../src/runtime/create-node.js";
import {
  createDisposableDatabase,
  createMigratedTemplate,
  type DisposableDatabase,
} from "../../src/storage/postgres/disposable-database.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface BulkStorage {
  readonly choice: StorageChoice;
  dispose(): Promise<void>;
}

export interface BulkAdapter {
  readonly name: "sqlite" | "postgres";
  create(): Promise<BulkStorage>;
  /** Drops the template, after the file's tests. */
  close(): Promise<void>;
}

export function sqliteAdapter(): BulkAdapter {
  return {
    name: "sqlite",
    async create() {
      const folder = mkdtempSync(join(tmpdir(), "ratchet-bulk-"));
      return {
        choice: { kind: "sqlite", path: join(folder, "ratchet.db"), synchronous: "normal" },
        async dispose() {
          rmSync(folder, { recursive: true, force: true });
        },
      };
    },
    async close() {},
  };
}

export function postgresAdapter(): BulkAdapter {
  let template: Promise<DisposableDatabase> | undefined;
  return {
    name: "postgres",
    async create() {
      template ??= createMigratedTemplate(ADMIN_URL, {
        prefix: "ratchet_bulk_tpl",
        schema: "ratchet",
        nowUs: Date.now() * 1000,
      });
      const database = await createDisposableDatabase(ADMIN_URL, {
        prefix: "ratchet_bulk",
        template: (await template).name,
      });
      return {
        choice: { kind: "postgres", url: database.connectionString, poolSize: 4, migrate: false },
        dispose: () => database.drop(),
      };
    },
    async close() {
      if (template !== undefined) await (await template).drop();
    },
  };
}
