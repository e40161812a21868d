/**
 * The PostgreSQL adapter passes the storage conformance suite: each test runs on its own database, copied from
 * a template migrated once for this file, and the database is dropped after the test, whatever its result.
 */
import { after } from "node:test";
import { runStorageConformance } from "../../src/storage/conformance/index.js";
import {
  createDisposableDatabase,
  createMigratedTemplate,
  type DisposableDatabase,
} from "../../src/storage/postgres/disposable-database.js";
import { PostgresStorage } from "../../src/storage/postgres/postgres-storage.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const nowUs = () => Date.now() * 1000;

let template: Promise<DisposableDatabase> | undefined;
const templateOnce = () =>
  (template ??= createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_template",
    schema: "ratchet",
    nowUs: nowUs(),
  }));

after(async () => {
  await (await template)?.drop();
});

runStorageConformance("postgres", async () => {
  const database = await createDisposableDatabase(ADMIN_URL, {
    prefix: "ratchet_test",
    template: (await templateOnce()).name,
  });
  try {
    const storage = await PostgresStorage.open({
      connectionString: database.connectionString,
      poolSize: 4,
      statementTimeoutMs: 10_000,
      applicationName: "ratchet-test",
      nowUs,
      migrate: false,
    });
    return {
      storage,
      async dispose() {
        try {
          await storage.close();
        } finally {
          await database.drop();
        }
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
});
