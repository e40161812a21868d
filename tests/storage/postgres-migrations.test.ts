/**
 * PostgreSQL migrations are idempotent, safe to run concurrently, and refuse a newer schema: each test brings
 * fresh databases up through `migratePostgres` and compares their catalogs (tables, columns, indexes,
 * constraints, sequences from information_schema and pg_catalog) and version rows; every database is dropped.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import {
  createDisposableDatabase,
  type DisposableDatabase,
  ignoreClosingConnectionError,
} from "../../src/storage/postgres/disposable-database.js";
import {
  migratePostgres,
  SchemaOutdatedError,
  SchemaTooNewError,
} from "../../src/storage/postgres/migrate.js";
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from "../../src/storage/postgres/migrations/index.js";
import { PostgresStorage } from "../../src/storage/postgres/postgres-storage.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SCHEMA = "ratchet";
const NOW_US = 1_700_000_000_000_000;
const CONCURRENT_MIGRATORS = 6;

/** Runs `body` with fresh empty databases, dropping all of them afterwards whatever happens. */
async function withDatabases(count: number, body: (databases: DisposableDatabase[]) => Promise<void>) {
  const databases: DisposableDatabase[] = [];
  try {
    for (let index = 0; index < count; index += 1) {
      databases.push(await createDisposableDatabase(ADMIN_URL, { prefix: "ratchet_migrate" }));
    }
    await body(databases);
  } finally {
    for (const database of databases) await database.drop();
  }
}

function poolOf(database: DisposableDatabase): pg.Pool {
  const pool = new pg.Pool({ connectionString: database.connectionString, max: 1 });
  pool.on("error", ignoreClosingConnectionError);
  return pool;
}

async function withPool<T>(database: DisposableDatabase, work: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = poolOf(database);
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

const CATALOG = `
  SELECT 'column' AS kind, table_name || '.' || column_name AS name,
    concat_ws(' ', ordinal_position, data_type, is_nullable, column_default, collation_name) AS definition
  FROM information_schema.columns WHERE table_schema = $1::text
  UNION ALL
  SELECT 'index', tablename || '.' || indexname, indexdef FROM pg_indexes WHERE schemaname = $1::text
  UNION ALL
  SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = $1::text::regnamespace
  UNION ALL
  SELECT 'sequence', sequence_name, concat_ws(' ', data_type, start_value, increment)
  FROM information_schema.sequences WHERE sequence_schema = $1::text
  ORDER BY 1, 2`;

async function catalogOf(database: DisposableDatabase) {
  return withPool(database, async (pool) => {
    const catalog = await pool.query(CATALOG, [SCHEMA]);
    const versions = await pool.query(
      `SELECT version, name FROM "${SCHEMA}".schema_migrations ORDER BY version`,
    );
    return { catalog: catalog.rows, versions: versions.rows };
  });
}

test("a schema migrated from empty equals one migrated twice, and one brought up from each older version", async () => {
  await withDatabases(2 + MIGRATIONS.length - 1, async ([fromEmpty, twice, ...older]) => {
    assert.ok(fromEmpty && twice);
    await withPool(fromEmpty, (pool) => migratePostgres(pool, SCHEMA, NOW_US));
    const reference = await catalogOf(fromEmpty);
    assert.ok(reference.catalog.length > 20, "the catalog query sees the schema");
    assert.equal(reference.versions.length, MIGRATIONS.length);

    const versions = await withPool(twice, async (pool) => [
      await migratePostgres(pool, SCHEMA, NOW_US),
      await migratePostgres(pool, SCHEMA, NOW_US),
    ]);
    assert.deepEqual(versions, [LATEST_SCHEMA_VERSION, LATEST_SCHEMA_VERSION]);
    assert.deepEqual(await catalogOf(twice), reference);

    for (const [index, database] of older.entries()) {
      const released = MIGRATIONS[index];
      assert.ok(released);
      await withPool(database, async (pool) => {
        assert.equal(
          await migratePostgres(pool, SCHEMA, NOW_US, { targetVersion: released.version }),
          released.version,
        );
        assert.equal(await migratePostgres(pool, SCHEMA, NOW_US), LATEST_SCHEMA_VERSION);
      });
      assert.deepEqual(await catalogOf(database), reference, `brought up from version ${released.version}`);
    }
  });
});

test("several migrators at once on a fresh database all succeed and leave one version row each", async () => {
  await withDatabases(2, async ([reference, raced]) => {
    assert.ok(reference && raced);
    await withPool(reference, (pool) => migratePostgres(pool, SCHEMA, NOW_US));
    const pools = Array.from({ length: CONCURRENT_MIGRATORS }, () => poolOf(raced));
    try {
      const versions = await Promise.all(pools.map((pool) => migratePostgres(pool, SCHEMA, NOW_US)));
      assert.deepEqual(versions, Array(CONCURRENT_MIGRATORS).fill(LATEST_SCHEMA_VERSION));
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
    assert.deepEqual(await catalogOf(raced), await catalogOf(reference));
  });
});

test("a schema newer than this binary is refused, and an outdated one is not used without migrating", async () => {
  await withDatabases(2, async ([newer, empty]) => {
    assert.ok(newer && empty);
    await withPool(newer, async (pool) => {
      await migratePostgres(pool, SCHEMA, NOW_US);
      await pool.query(
        `INSERT INTO "${SCHEMA}".schema_migrations (version, name, applied_at_us) VALUES ($1, 'future', $2)`,
        [LATEST_SCHEMA_VERSION + 1, NOW_US],
      );
      await assert.rejects(migratePostgres(pool, SCHEMA, NOW_US), SchemaTooNewError);
    });
    const options = {
      poolSize: 1,
      statementTimeoutMs: 5_000,
      applicationName: "ratchet-migration-test",
      nowUs: () => NOW_US,
    };
    for (const migrate of [false, true]) {
      await assert.rejects(
        PostgresStorage.open({ ...options, connectionString: newer.connectionString, migrate }),
        SchemaTooNewError,
      );
    }
    await assert.rejects(
      PostgresStorage.open({ ...options, connectionString: empty.connectionString, migrate: false }),
      SchemaOutdatedError,
    );
    const migrated = await PostgresStorage.open({
      ...options,
      connectionString: empty.connectionString,
      migrate: true,
    });
    await migrated.close();
  });
});

test("migration 0005 builds its indexes concurrently: writes go on meanwhile, and an INVALID index left by a dead build is rebuilt", async () => {
  await withDatabases(2, async ([reference, broken]) => {
    assert.ok(reference && broken);
    await withPool(reference, (pool) => migratePostgres(pool, SCHEMA, NOW_US));
    await withPool(broken, async (pool) => {
      assert.equal(await migratePostgres(pool, SCHEMA, NOW_US, { targetVersion: 3 }), 3);
      const insert = (id: string) =>
        pool.query(
          `INSERT INTO "${SCHEMA}".machines (namespace, machine_id, status, aux_state, last_event_id, created_at_us,
             updated_at_us) VALUES ('ns', $1, 'idle', '\\x'::bytea, 0, 0, 0)`,
          [id],
        );
      await insert("a");
      await insert("b");
      // A build that fails (here: a unique index over duplicates) leaves an INVALID index under the name.
      await assert.rejects(
        pool.query(`CREATE UNIQUE INDEX CONCURRENTLY machines_status ON "${SCHEMA}".machines (namespace)`),
      );
      const invalid = await pool.query(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1::text)",
        [`"${SCHEMA}".machines_status`],
      );
      assert.equal(invalid.rows[0]?.indisvalid, false);
    });
    const writer = poolOf(broken);
    try {
      const migrating = withPool(broken, (pool) => migratePostgres(pool, SCHEMA, NOW_US));
      const writes = Array.from({ length: 20 }, (_, index) =>
        writer.query(
          `INSERT INTO "${SCHEMA}".machines (namespace, machine_id, status, aux_state, last_event_id, created_at_us,
             updated_at_us) VALUES ('ns', $1, 'idle', '\\x'::bytea, 0, 0, 0)`,
          [`w-${index}`],
        ),
      );
      await Promise.all(writes);
      assert.equal(await migrating, LATEST_SCHEMA_VERSION);
    } finally {
      await writer.end();
    }
    assert.deepEqual(await catalogOf(broken), await catalogOf(reference), "the index was rebuilt as defined");
  });
});
