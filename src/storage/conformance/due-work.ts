/**
 * Conformance cases of the reads that show whether due work is done: timers due soon (capped), the oldest overdue
 * timer or retry, the oldest pending notification, and the schema version a readiness probe reads. Registered by
 * `runStorageConformance`, so every adapter runs them.
 */
import assert from "node:assert/strict";
import { FULL_HISTORY } from "../../core/history-range.js";
import type { MachineRecord } from "../../core/machine.js";
import { failRecord, newMachineRecord, pauseRecord } from "../../core/step.js";
import type { Storage } from "../storage.js";
import type { WithStorage } from "./index.js";
import { createMachine, lease, NS, notification, SECOND, T0 } from "./support.js";

const OTHER_NS = "conformance.other";
const timerAt = (dueAtUs: number) => ({ timer: { dueAtUs, range: FULL_HISTORY } });

/** Replaces a machine's record as a step would. */
async function remakeAs(storage: Storage, record: MachineRecord): Promise<void> {
  const held = await lease(storage, record.id);
  const [outcome] = await storage.commit([
    { lease: held, kind: "update", record, events: [], leaseUntilUs: null },
  ]);
  assert.deepEqual(outcome, { ok: true });
}

/** A machine of another namespace whose timer is due at `dueAtUs`: it must never count for NS. */
async function createElsewhere(storage: Storage, machineId: string, dueAtUs: number): Promise<void> {
  const taken = await storage.acquireLease({
    namespace: OTHER_NS,
    machineId,
    owner: "node-a",
    nowUs: T0,
    untilUs: T0 + 30 * SECOND,
  });
  assert.ok(taken.acquired);
  const record = { ...newMachineRecord(OTHER_NS, machineId, T0), ...timerAt(dueAtUs) };
  const [outcome] = await storage.commit([
    { lease: taken.lease, kind: "create", record, events: [], leaseUntilUs: null },
  ]);
  assert.deepEqual(outcome, { ok: true });
}

/** Waiting, retrying, failed and paused machines, each with a timer; one more elsewhere, due earliest. */
async function seed(storage: Storage): Promise<void> {
  await createMachine(storage, "waiting-10", 0, timerAt(T0 + 10 * SECOND));
  await createMachine(storage, "waiting-20", 0, timerAt(T0 + 20 * SECOND));
  await createMachine(storage, "retrying", 0, {
    ...timerAt(T0 + 30 * SECOND),
    retry: { attempt: 1, firstFailedAtUs: T0, dueAtUs: T0 + 5 * SECOND, lastError: "down" },
  });
  const failing = await createMachine(storage, "failed", 0, timerAt(T0 + SECOND));
  await remakeAs(storage, failRecord(failing, "broken", T0 + SECOND));
  const pausing = await createMachine(storage, "paused", 0, timerAt(T0 + 2 * SECOND));
  await remakeAs(storage, pauseRecord(pausing, { reason: "outage", by: "operator", nowUs: T0 }));
  await createMachine(storage, "idle", 0);
  await createElsewhere(storage, "elsewhere", T0);
}

export function registerDueWorkCases(withStorage: WithStorage): void {
  withStorage(
    "timers due before an instant are counted in their namespace, up to the cap",
    async (storage) => {
      await seed(storage);
      const count = (dueBeforeUs: number, cap = 100) => storage.countTimersDue(NS, { dueBeforeUs, cap });
      assert.equal(await count(T0), 0, "none is due before T0 in this namespace");
      assert.equal(
        await count(T0 + 15 * SECOND),
        3,
        "the failed, the paused and waiting-10 machine's timers",
      );
      assert.equal(await count(T0 + 25 * SECOND), 4);
      assert.equal(await count(T0 + 60 * SECOND), 5, "the retrying machine keeps its timer");
      assert.equal(await count(T0 + 60 * SECOND, 2), 2, "a count at the cap reads 'at least'");
      assert.equal(await storage.countTimersDue("missing", { dueBeforeUs: T0 + 60 * SECOND, cap: 100 }), 0);
    },
  );

  withStorage(
    "the oldest overdue timer is the namespace's earliest due timer or retry, never a failed or paused machine's",
    async (storage) => {
      await seed(storage);
      const oldest = (nowUs: number) => storage.oldestOverdueTimer(NS, { nowUs });
      assert.equal(await oldest(T0 + 4 * SECOND), null, "the failed and paused machines schedule nothing");
      assert.equal(await oldest(T0 + 5 * SECOND), T0 + 5 * SECOND, "the retry, due at once, is overdue");
      assert.equal(await oldest(T0 + 60 * SECOND), T0 + 5 * SECOND, "the retry is due before its timer");
      assert.equal(await storage.oldestOverdueTimer(OTHER_NS, { nowUs: T0 + SECOND }), T0);
      assert.equal(await storage.oldestOverdueTimer("missing", { nowUs: T0 + 60 * SECOND }), null);
    },
  );

  withStorage(
    "the oldest pending notification is the earliest created one a live machine can take",
    async (storage) => {
      const failing = await createMachine(storage, "failed", 0);
      await remakeAs(storage, failRecord(failing, "broken", T0));
      await createMachine(storage, "live", 0);
      const candidatesMax = 100;
      assert.equal(await storage.oldestPendingNotification(NS, { candidatesMax }), null, "none waits");
      const created = (id: string, machineId: string, createdAtUs: number) => ({
        ...notification(id, machineId, T0 + 9 * SECOND),
        createdAtUs,
      });
      await storage.insertNotification(created("to-failed", "failed", T0));
      assert.equal(
        await storage.oldestPendingNotification(NS, { candidatesMax }),
        null,
        "a failed machine's notification waits for its repair, not for the scheduler",
      );
      await storage.insertNotification(created("late", "live", T0 + 3 * SECOND));
      await storage.insertNotification(created("early", "live", T0 + 2 * SECOND));
      assert.equal(await storage.oldestPendingNotification(NS, { candidatesMax }), T0 + 2 * SECOND);
      assert.equal(
        await storage.oldestPendingNotification(NS, { candidatesMax: 1 }),
        null,
        "only the oldest candidatesMax notifications are looked at",
      );
      assert.equal(await storage.oldestPendingNotification("missing", { candidatesMax }), null);
    },
  );

  withStorage(
    "the schema version read reaches the database and is the one this binary needs",
    async (storage) => {
      const versions = await storage.readSchemaVersions();
      assert.ok(versions.expected >= 6, `expected version ${versions.expected}`);
      assert.equal(versions.applied, versions.expected);
    },
  );
}
