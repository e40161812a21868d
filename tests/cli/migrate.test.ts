/**
 * Proves `ratchet migrate` and `ratchet migrate --check` as child processes: on a fresh PostgreSQL database
 * (created for this file and dropped after) the check exits 1 while the schema is missing or one version
 * behind, migrate applies the rest and prints the version, and the check then exits 0; get refuses to run on
 * an outdated schema rather than migrate it. On SQLite the check reads a file without creating or changing it.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import {
  createDisposableDatabase,
  type DisposableDatabase,
  ignoreClosingConnectionError,
} from "../../src/storage/postgres/disposable-database.js";
import { migratePostgres } from "../../src/storage/postgres/migrate.js";
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from "../../src/storage/postgres/migrations/index.js";
import { runCli, runCliOk } from "./cli-process.js";

/** The release before the latest (versions need not be contiguous: a gap is left by a migration not merged yet). */
const PREVIOUS_SCHEMA_VERSION = MIGRATIONS.at(-2)?.version ?? 0;

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SCHEMA = "ratchet_cli";

let directory: string;
let database: DisposableDatabase;
let configPath: string;

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-cli-migrate-"));
  database = await createDisposableDatabase(ADMIN_URL, { prefix: "ratchet_cli_migrate" });
  configPath = join(directory, "postgres.yaml");
  writeFileSync(
    configPath,
    `storage:\n  type: postgres\n  url: \${DATABASE_URL}\n  schema: ${SCHEMA}\nnamespaces:\n  NS:\n    processor:\n      url: http://127.0.0.1:1/processor\n`,
  );
});

after(async () => {
  await database.drop();
  rmSync(directory, { recursive: true, force: true });
});

const env = () => ({ ...process.env, DATABASE_URL: database.connectionString });

test("PostgreSQL: --check exits 1 on an empty or outdated schema, migrate brings it up, --check then exits 0", async () => {
  const empty = await runCli(["migrate", "--check", "--config", configPath], env());
  assert.equal(empty.code, 1, empty.stderr);
  assert.match(empty.stderr, /schema ratchet_cli is at version 0; this Ratchet needs \d+ \(run migrate\)/);

  const pool = new pg.Pool({ connectionString: database.connectionString, max: 1 });
  pool.on("error", ignoreClosingConnectionError);
  try {
    await migratePostgres(pool, SCHEMA, Date.now() * 1000, { targetVersion: PREVIOUS_SCHEMA_VERSION });
  } finally {
    await pool.end();
  }
  const behind = await runCli(["migrate", "--check", "--config", configPath], env());
  assert.equal(behind.code, 1, behind.stderr);
  assert.match(behind.stderr, new RegExp(`at version ${PREVIOUS_SCHEMA_VERSION};`));
  const refused = await runCli(["machine", "get", "NS", "m", "--config", configPath], env());
  assert.equal(refused.code, 1, "commands other than migrate never change the schema");
  assert.match(refused.stderr, /run migrate/);

  const migrated = await runCli(["migrate", "--config", configPath], env());
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(
    migrated.stdout,
    new RegExp(
      `^PostgreSQL database at .*\\(schema ${SCHEMA}\\): schema version ${LATEST_SCHEMA_VERSION}\\n$`,
    ),
  );

  const current = await runCli(["migrate", "--check", "--config", configPath], env());
  assert.equal(current.code, 0, current.stderr);
  assert.match(current.stdout, new RegExp(`schema version ${LATEST_SCHEMA_VERSION} \\(current\\)`));
  const absent = await runCli(["machine", "get", "NS", "m", "--config", configPath], env());
  assert.equal(absent.code, 3, absent.stderr);
});

test("SQLite: --check on a missing file exits 1 without creating it; migrate creates it; --check then exits 0", async () => {
  const path = join(directory, "fresh.db");
  const missing = await runCli(["migrate", "--check", "--db", path]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no SQLite database at .*fresh\.db yet \(run ratchet migrate\)/);
  assert.equal(existsSync(path), false);

  assert.match(
    await runCliOk(["migrate", "--db", path]),
    /^SQLite database at .*fresh\.db: schema version \d+\n$/,
  );
  assert.match(await runCliOk(["migrate", "--check", "--db", path]), /schema version \d+ \(current\)\n$/);

  const usage = await runCli(["migrate", "--check"]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /needs --config FILE or --db PATH/);
});
