/**
 * Driver failures become typed errors by code: a table of SQLSTATEs and socket codes is classified directly,
 * then real failures are provoked on a fresh database (no server listening, a statement outliving
 * statement_timeout on a held lock, a backend killed mid-commit), each must surface as StorageUnavailableError,
 * and the storage must work again afterwards. The database is dropped after each test.
 */
import assert, { AssertionError } from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import { MachineNotFoundError, StorageUnavailableError } from "../../src/core/errors.js";
import { newMachineRecord } from "../../src/core/step.js";
import {
  createDisposableDatabase,
  type DisposableDatabase,
  ignoreClosingConnectionError,
} from "../../src/storage/postgres/disposable-database.js";
import {
  isTransientPostgresError,
  translatePostgresError,
} from "../../src/storage/postgres/postgres-errors.js";
import { PostgresStorage } from "../../src/storage/postgres/postgres-storage.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const T0 = 1_700_000_000_000_000;
const SECOND = 1_000_000;
const WAIT_MS_MAX = 10_000;

function databaseError(code: string): pg.DatabaseError {
  const error = new pg.DatabaseError("test", 0, "error");
  error.code = code;
  return error;
}

test("SQLSTATEs and socket codes are classified by code alone", () => {
  const transient = [
    "08006",
    "08001",
    "53300",
    "53100",
    "57P01",
    "57P02",
    "57P03",
    "40001",
    "40P01",
    "57014",
  ];
  const permanent = ["23505", "42P01", "22021", "28P01", "3D000", "25P02"];
  for (const code of transient) assert.ok(isTransientPostgresError(databaseError(code)), code);
  for (const code of permanent) assert.ok(!isTransientPostgresError(databaseError(code)), code);
  const reset = Object.assign(new Error("socket"), { code: "ECONNRESET" });
  assert.ok(translatePostgresError(reset, false) instanceof StorageUnavailableError);
  const dropped = new Error("no code: the connection ended");
  assert.ok(translatePostgresError(dropped, true) instanceof StorageUnavailableError);
  assert.equal(translatePostgresError(dropped, false), dropped);
  const typed = new MachineNotFoundError("ns", "m");
  const broken = new AssertionError({ message: "invariant" });
  assert.equal(translatePostgresError(typed, true), typed, "typed errors pass unchanged");
  assert.equal(translatePostgresError(broken, true), broken, "assertions pass unchanged");
});

test("a server that cannot be reached fails with StorageUnavailableError", async () => {
  await assert.rejects(
    PostgresStorage.open({
      connectionString: "postgres://postgres@127.0.0.1:1/postgres",
      poolSize: 1,
      statementTimeoutMs: 1_000,
      connectionTimeoutMs: 1_000,
      applicationName: "ratchet-unreachable",
      nowUs: () => T0,
      migrate: false,
    }),
    StorageUnavailableError,
  );
});

interface Setup {
  readonly storage: PostgresStorage;
  readonly raw: pg.Client;
}

async function withStorage(statementTimeoutMs: number, body: (setup: Setup) => Promise<void>): Promise<void> {
  const database: DisposableDatabase = await createDisposableDatabase(ADMIN_URL, {
    prefix: "ratchet_errors",
  });
  const raw = new pg.Client({ connectionString: database.connectionString, application_name: "ratchet-raw" });
  raw.on("error", ignoreClosingConnectionError);
  let storage: PostgresStorage | undefined;
  try {
    storage = await PostgresStorage.open({
      connectionString: database.connectionString,
      poolSize: 2,
      statementTimeoutMs,
      applicationName: "ratchet-errors",
      nowUs: () => T0,
      migrate: true,
    });
    await raw.connect();
    await body({ storage, raw });
  } finally {
    await storage?.close();
    await raw.end().catch(ignoreClosingConnectionError);
    await database.drop();
  }
}

async function waitUntilBlocked(raw: pg.Client): Promise<number[]> {
  const deadline = Date.now() + WAIT_MS_MAX;
  for (;;) {
    const result = await raw.query(
      `SELECT pid FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'ratchet-errors' AND wait_event_type = 'Lock'`,
    );
    if (result.rows.length > 0) return result.rows.map((row) => row.pid);
    assert.ok(Date.now() < deadline, "timed out waiting for the storage to block on a lock");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const lockLease = (raw: pg.Client) =>
  raw.query("SELECT 1 FROM ratchet.leases WHERE namespace = 'ns' AND machine_id = 'm' FOR UPDATE");

test("a statement that outlives statement_timeout fails with StorageUnavailableError", async () => {
  await withStorage(200, async ({ storage, raw }) => {
    const first = await storage.acquireLease({
      namespace: "ns",
      machineId: "m",
      owner: "a",
      nowUs: T0,
      untilUs: T0 + 1,
    });
    assert.ok(first.acquired);
    await raw.query("BEGIN");
    await lockLease(raw);
    const blocked = { namespace: "ns", machineId: "m", owner: "a", nowUs: T0, untilUs: T0 + SECOND };
    await assert.rejects(storage.acquireLease(blocked), StorageUnavailableError);
    await raw.query("ROLLBACK");
    assert.ok((await storage.acquireLease(blocked)).acquired, "the storage works again");
  });
});

test("a commit whose backend is killed mid-transaction fails with StorageUnavailableError and can be retried", async () => {
  await withStorage(10_000, async ({ storage, raw }) => {
    const acquired = await storage.acquireLease({
      namespace: "ns",
      machineId: "m",
      owner: "a",
      nowUs: T0,
      untilUs: T0 + 30 * SECOND,
    });
    assert.ok(acquired.acquired);
    const step = {
      lease: acquired.lease,
      kind: "create" as const,
      record: newMachineRecord("ns", "m", T0),
      events: [],
      leaseUntilUs: null,
    };
    await raw.query("BEGIN");
    await lockLease(raw);
    // The outcome is captured at once: the commit may fail before the terminating query itself returns, and an
    // unobserved rejection in that gap would be reported as unhandled.
    const committing = storage.commit([step]).then(
      () => null,
      (error: unknown) => error,
    );
    const pids = await waitUntilBlocked(raw);
    await raw.query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid", [pids]);
    assert.ok(
      (await committing) instanceof StorageUnavailableError,
      "the killed commit is a transient error",
    );
    await raw.query("ROLLBACK");
    assert.equal(await storage.readMachine("ns", "m"), null, "nothing of the killed commit is visible");
    assert.deepEqual(
      await storage.commit([step]),
      [{ ok: true }],
      "the same step commits on a new connection",
    );
    assert.ok((await storage.readMachine("ns", "m")) !== null);
  });
});

test("a batch that breaks the history invariant rolls back whole, and the next batch commits", async () => {
  await withStorage(10_000, async ({ storage }) => {
    const leaseOf = async (machineId: string) => {
      const result = await storage.acquireLease({
        namespace: "ns",
        machineId,
        owner: "a",
        nowUs: T0,
        untilUs: T0 + 30 * SECOND,
      });
      assert.ok(result.acquired);
      return result.lease;
    };
    const create = (lease: Awaited<ReturnType<typeof leaseOf>>, machineId: string) => ({
      lease,
      kind: "create" as const,
      record: newMachineRecord("ns", machineId, T0),
      events: [],
      leaseUntilUs: T0 + 30 * SECOND,
    });
    const [good, bad] = [await leaseOf("good"), await leaseOf("bad")];
    assert.deepEqual(await storage.commit([create(bad, "bad")]), [{ ok: true }]);
    // "bad" is at event 0, but this step claims to append event 6 after event 5: a broken engine.
    const broken = {
      lease: bad,
      kind: "update" as const,
      record: { ...newMachineRecord("ns", "bad", T0), lastEventId: 6 },
      events: [{ id: 6, createdAtUs: T0, data: new Uint8Array([6]) }],
      leaseUntilUs: null,
    };
    await assert.rejects(storage.commit([create(good, "good"), broken]), AssertionError);
    assert.equal(
      await storage.readMachine("ns", "good"),
      null,
      "the valid step of the batch rolled back too",
    );
    assert.deepEqual(await storage.commit([create(good, "good")]), [{ ok: true }]);
  });
});
