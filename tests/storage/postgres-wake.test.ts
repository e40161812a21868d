/**
 * onWake crosses storages through LISTEN/NOTIFY: two PostgresStorage instances share one fresh database, one
 * listens while the other commits due work; the listener's connection is then killed with pg_terminate_backend
 * and must reconnect, call the listener once, and keep receiving. Every wait is bounded; the database is dropped.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import { FULL_HISTORY } from "../../src/core/history-range.js";
import { newMachineRecord } from "../../src/core/step.js";
import {
  createDisposableDatabase,
  type DisposableDatabase,
  ignoreClosingConnectionError,
} from "../../src/storage/postgres/disposable-database.js";
import { PostgresStorage } from "../../src/storage/postgres/postgres-storage.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const T0 = 1_700_000_000_000_000;
const SECOND = 1_000_000;
const WAIT_MS_MAX = 10_000;

async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS_MAX;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Setup {
  readonly database: DisposableDatabase;
  readonly listener: PostgresStorage;
  readonly writer: PostgresStorage;
  readonly admin: pg.Pool;
}

async function withTwoStorages(body: (setup: Setup) => Promise<void>): Promise<void> {
  const database = await createDisposableDatabase(ADMIN_URL, { prefix: "ratchet_wake" });
  const open = (applicationName: string, migrate: boolean) =>
    PostgresStorage.open({
      connectionString: database.connectionString,
      poolSize: 2,
      statementTimeoutMs: 5_000,
      applicationName,
      nowUs: () => T0,
      migrate,
    });
  const admin = new pg.Pool({ connectionString: database.connectionString, max: 1 });
  admin.on("error", ignoreClosingConnectionError);
  const opened: PostgresStorage[] = [];
  try {
    opened.push(await open("ratchet-wake-listener", true));
    opened.push(await open("ratchet-wake-writer", false));
    const [listener, writer] = opened;
    assert.ok(listener && writer);
    await body({ database, listener, writer, admin });
  } finally {
    for (const storage of opened) await storage.close();
    await admin.end();
    await database.drop();
  }
}

/** The listener's own connection has run its LISTEN (pg_stat_activity shows a session's last statement). */
async function listening(admin: pg.Pool): Promise<boolean> {
  const result = await admin.query(
    `SELECT count(*)::int AS count FROM pg_stat_activity
     WHERE datname = current_database() AND application_name = 'ratchet-wake-listener/wake'
       AND query LIKE 'LISTEN %'`,
  );
  return result.rows[0]?.count === 1;
}

/** Creates a machine whose timer is due and releases its lease: work any node may claim. */
async function createDueMachine(storage: PostgresStorage, machineId: string): Promise<void> {
  const acquired = await storage.acquireLease({
    namespace: "ns",
    machineId,
    owner: "writer",
    nowUs: T0,
    untilUs: T0 + 30 * SECOND,
  });
  assert.ok(acquired.acquired);
  const record = { ...newMachineRecord("ns", machineId, T0), timer: { dueAtUs: T0, range: FULL_HISTORY } };
  const [outcome] = await storage.commit([
    { lease: acquired.lease, kind: "create", record, events: [], leaseUntilUs: null },
  ]);
  assert.deepEqual(outcome, { ok: true });
}

test("a due timer committed by one storage wakes another's listener, and so does a new notification", async () => {
  await withTwoStorages(async ({ listener, writer, admin }) => {
    let wakes = 0;
    const stop = listener.onWake(() => {
      wakes += 1;
    });
    await waitFor("the listener to LISTEN", () => listening(admin));
    await createDueMachine(writer, "m1");
    await waitFor("a wake after the due timer", () => wakes >= 1);
    const before = wakes;
    await writer.insertNotification({
      namespace: "ns",
      id: "n1",
      machineId: "m1",
      args: new Uint8Array([1]),
      range: FULL_HISTORY,
      createdAtUs: T0,
      dueAtUs: T0,
      attempt: 0,
    });
    await waitFor("a wake after the notification", () => wakes > before);
    stop();
  });
});

test("after its connection is killed the listener reconnects, wakes once, and hears later commits", async () => {
  await withTwoStorages(async ({ listener, writer, admin }) => {
    let wakes = 0;
    listener.onWake(() => {
      wakes += 1;
    });
    await waitFor("the listener to LISTEN", () => listening(admin));
    const killed = await admin.query(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'ratchet-wake-listener/wake'`,
    );
    assert.deepEqual(
      killed.rows.map((row) => row.killed),
      [true],
    );
    await waitFor("the wake that follows a reconnect", () => wakes === 1);
    await waitFor("the listener to LISTEN again", () => listening(admin));
    await createDueMachine(writer, "m2");
    await waitFor("a wake after the due timer", () => wakes === 2);
  });
});
