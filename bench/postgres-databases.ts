/** Fresh PostgreSQL databases for the bench, each a copy of one migrated template, all dropped at the end. */
import {
  createDisposableDatabase,
  createMigratedTemplate,
  type DisposableDatabase,
} from "../src/storage/postgres/disposable-database.js";
import type { PostgresTarget } from "./cpu-probe.js";

export const ADMIN_URL =
  process.env.RATCHET_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface BenchDatabase {
  readonly url: string;
  /** Where the CPU probe finds its backends. */
  readonly target: PostgresTarget;
}

export interface BenchDatabases {
  fresh(): Promise<BenchDatabase>;
  dropAll(): Promise<void>;
}

export async function benchDatabases(): Promise<BenchDatabases> {
  const template = await createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_bench_tpl",
    schema: "ratchet",
    nowUs: Date.now() * 1000,
  });
  const databases: DisposableDatabase[] = [];
  return {
    async fresh() {
      const database = await createDisposableDatabase(ADMIN_URL, {
        prefix: "ratchet_bench",
        template: template.name,
      });
      databases.push(database);
      return { url: database.connectionString, target: { adminUrl: ADMIN_URL, database: database.name } };
    },
    async dropAll() {
      for (const database of databases) await database.drop();
      await template.drop();
    },
  };
}
