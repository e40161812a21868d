/**
 * Races the conformance suite cannot stage, on fresh databases: two storages claim hundreds of due machines in
 * parallel (claims must be disjoint and complete); a raw transaction plays a commit in flight, holding a lease
 * row lock, to show that acquireLease then reads the record that commit wrote and that a claim skips rather
 * than waits; and one batch carries two steps of one machine. Every database is dropped after its test.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import { FULL_HISTORY } from "../../src/core/history-range.js";
import type { MachineRecord } from "../../src/core/machine.js";
import { newMachineRecord } from "../../src/core/step.js";
import {
  createDisposableDatabase,
  type DisposableDatabase,
  ignoreClosingConnectionError,
} from "../../src/storage/postgres/disposable-database.js";
import { PostgresStorage } from "../../src/storage/postgres/postgres-storage.js";
import type { ClaimedMachine, Lease, StepCommit } from "../../src/storage/storage.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NS = "ns";
const T0 = 1_700_000_000_000_000;
const SECOND = 1_000_000;
const DUE_MACHINES = 300;
const CLAIM_LIMIT = 7;
const CLAIM_LOOPS_PER_STORAGE = 3;
const WAIT_MS_MAX = 10_000;

interface Setup {
  readonly database: DisposableDatabase;
  readonly open: (applicationName: string) => Promise<PostgresStorage>;
  /** A raw connection to the same database, for transactions the storage API cannot hold open. */
  readonly raw: pg.Client;
}

async function withDatabase(body: (setup: Setup) => Promise<void>): Promise<void> {
  const database = await createDisposableDatabase(ADMIN_URL, { prefix: "ratchet_race" });
  const opened: PostgresStorage[] = [];
  const raw = new pg.Client({ connectionString: database.connectionString, application_name: "ratchet-raw" });
  raw.on("error", ignoreClosingConnectionError);
  try {
    const open = async (applicationName: string) => {
      const storage = await PostgresStorage.open({
        connectionString: database.connectionString,
        poolSize: 4,
        statementTimeoutMs: 5_000,
        applicationName,
        nowUs: () => T0,
        migrate: true,
      });
      opened.push(storage);
      return storage;
    };
    await raw.connect();
    await body({ database, open, raw });
  } finally {
    for (const storage of opened) await storage.close();
    await raw.end().catch(ignoreClosingConnectionError);
    await database.drop();
  }
}

async function lease(storage: PostgresStorage, machineId: string, owner: string, nowUs = T0): Promise<Lease> {
  const result = await storage.acquireLease({
    namespace: NS,
    machineId,
    owner,
    nowUs,
    untilUs: nowUs + 30 * SECOND,
  });
  assert.ok(result.acquired, `lease on ${machineId} must be free`);
  return result.lease;
}

/** Creates machines in ONE commit batch; their timers are due at T0 and their leases are released. */
async function createDueMachines(storage: PostgresStorage, ids: readonly string[]): Promise<MachineRecord[]> {
  const records = ids.map((id) => ({
    ...newMachineRecord(NS, id, T0),
    timer: { dueAtUs: T0, range: FULL_HISTORY },
  }));
  const steps: StepCommit[] = [];
  for (const record of records) {
    steps.push({
      lease: await lease(storage, record.id, "creator"),
      kind: "create",
      record,
      events: [],
      leaseUntilUs: null,
    });
  }
  const outcomes = await storage.commit(steps);
  assert.ok(outcomes.every((outcome) => outcome.ok));
  return records;
}

/** Waits until a session of `applicationName` is blocked on a lock. */
async function waitUntilBlocked(raw: pg.Client, applicationName: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS_MAX;
  for (;;) {
    const result = await raw.query(
      `SELECT count(*)::int AS count FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = $1 AND wait_event_type = 'Lock'`,
      [applicationName],
    );
    if (result.rows[0]?.count > 0) return;
    assert.ok(Date.now() < deadline, `timed out waiting for ${applicationName} to block on a lock`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test("two storages claiming due machines in parallel claim each exactly once", async () => {
  await withDatabase(async ({ open }) => {
    const [first, second] = [await open("ratchet-claimer-1"), await open("ratchet-claimer-2")];
    const ids = Array.from({ length: DUE_MACHINES }, (_, index) => `m${String(index).padStart(4, "0")}`);
    await createDueMachines(first, ids);
    const claimedBy = new Map<string, ClaimedMachine[]>([
      ["one", []],
      ["two", []],
    ]);
    let claimedCount = 0;
    const deadline = Date.now() + WAIT_MS_MAX;
    // An empty claim does not mean the work is gone: the rows it chose may have been taken by the other storage's
    // claim that committed after this statement's snapshot (its lease is live, so this one takes none). A loop
    // stops only when every due machine has been claimed by someone.
    const claimLoop = async (storage: PostgresStorage, owner: string) => {
      while (claimedCount < DUE_MACHINES) {
        assert.ok(Date.now() < deadline, "timed out claiming the due machines");
        const claimed = await storage.claimDueTimers({
          owner,
          nowUs: T0 + SECOND,
          untilUs: T0 + 60 * SECOND,
          limit: CLAIM_LIMIT,
          namespaces: [NS],
        });
        claimedCount += claimed.length;
        claimedBy.get(owner)?.push(...claimed);
        if (claimed.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
    };
    const loops = [first, second].flatMap((storage, index) =>
      Array.from({ length: CLAIM_LOOPS_PER_STORAGE }, () => claimLoop(storage, index === 0 ? "one" : "two")),
    );
    await Promise.all(loops);
    const all = [...(claimedBy.get("one") ?? []), ...(claimedBy.get("two") ?? [])];
    const claimedIds = all.map((entry) => entry.record.id);
    assert.equal(new Set(claimedIds).size, claimedIds.length, "no machine is claimed twice");
    assert.deepEqual([...claimedIds].sort(), ids, "every due machine is claimed");
    assert.ok(
      (claimedBy.get("one")?.length ?? 0) > 0 && (claimedBy.get("two")?.length ?? 0) > 0,
      "both claimed",
    );
    const epochs = all.map((entry) => entry.lease.epoch);
    assert.equal(new Set(epochs).size, epochs.length, "every claim took a lease with its own epoch");
  });
});

test("acquireLease that waited for a commit in flight reads the record that commit wrote", async () => {
  await withDatabase(async ({ open, raw }) => {
    const storage = await open("ratchet-acquirer");
    const [record] = await createDueMachines(storage, ["m"]);
    assert.ok(record);
    const holder = await lease(storage, "m", "a");
    // The holder's commit, stopped after its writes: lease row locked, record advanced, lease released.
    await raw.query("BEGIN");
    await raw.query("SELECT 1 FROM ratchet.leases WHERE namespace = $1 AND machine_id = 'm' FOR UPDATE", [
      NS,
    ]);
    await raw.query(
      "UPDATE ratchet.machines SET last_event_id = 1 WHERE namespace = $1 AND machine_id = 'm'",
      [NS],
    );
    await raw.query(
      `INSERT INTO ratchet.events (namespace, machine_id, event_id, created_at_us, data) VALUES ($1, 'm', 1, $2, '\\x01')`,
      [NS, T0],
    );
    await raw.query("DELETE FROM ratchet.leases WHERE namespace = $1 AND machine_id = 'm' AND epoch = $2", [
      NS,
      holder.epoch,
    ]);
    const acquiring = storage.acquireLease({
      namespace: NS,
      machineId: "m",
      owner: "b",
      nowUs: T0,
      untilUs: T0 + SECOND,
    });
    await waitUntilBlocked(raw, "ratchet-acquirer");
    await raw.query("COMMIT");
    const acquired = await acquiring;
    assert.ok(acquired.acquired && acquired.lease.epoch > holder.epoch);
    assert.equal(acquired.record?.lastEventId, 1, "the record is the one the lease's predecessor committed");
  });
});

test("a claim skips a machine whose expired lease is locked by a commit in flight, instead of waiting", async () => {
  await withDatabase(async ({ open, raw }) => {
    const storage = await open("ratchet-claimer");
    await createDueMachines(storage, ["m"]);
    const expired = await lease(storage, "m", "a", T0 - 60 * SECOND);
    await raw.query("BEGIN");
    await raw.query(
      "SELECT 1 FROM ratchet.leases WHERE namespace = $1 AND machine_id = 'm' AND epoch = $2 FOR UPDATE",
      [NS, expired.epoch],
    );
    const claimOptions = { owner: "b", nowUs: T0, untilUs: T0 + SECOND, limit: 10, namespaces: [NS] };
    assert.deepEqual(
      await storage.claimDueTimers(claimOptions),
      [],
      "skipped while the commit holds the lease",
    );
    await raw.query("ROLLBACK");
    const claimed = await storage.claimDueTimers(claimOptions);
    assert.deepEqual(
      claimed.map((entry) => [entry.record.id, entry.lease.owner]),
      [["m", "b"]],
    );
    assert.ok((claimed[0]?.lease.epoch ?? 0) > expired.epoch);
  });
});

test("one batch may carry two steps of one machine; they apply in order", async () => {
  await withDatabase(async ({ open }) => {
    const storage = await open("ratchet-batcher");
    const [record] = await createDueMachines(storage, ["m"]);
    assert.ok(record);
    const held = await lease(storage, "m", "a");
    const event = (id: number) => ({ id, createdAtUs: T0 + id, data: new Uint8Array([id]) });
    const first = { ...record, lastEventId: 1, timer: null };
    const outcomes = await storage.commit([
      { lease: held, kind: "update", record: first, events: [event(1)], leaseUntilUs: T0 + 60 * SECOND },
      {
        lease: held,
        kind: "update",
        record: { ...first, lastEventId: 3 },
        events: [event(2), event(3)],
        leaseUntilUs: null,
      },
    ]);
    assert.deepEqual(outcomes, [{ ok: true }, { ok: true }]);
    assert.equal((await storage.readMachine(NS, "m"))?.lastEventId, 3);
    const history = await storage.readEvents(NS, "m", { from: 1, to: 3, direction: "forward", count: 3 });
    assert.deepEqual(
      history.map((entry) => entry.id),
      [1, 2, 3],
    );
    assert.ok(
      (await storage.acquireLease({ namespace: NS, machineId: "m", owner: "b", nowUs: T0, untilUs: T0 + 1 }))
        .acquired,
    );
  });
});
