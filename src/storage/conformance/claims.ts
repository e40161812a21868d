/**
 * Conformance cases of the machine store's queues: due timers and notifications claimed by the scheduler, only
 * of the namespaces asked for. Registered by `runStorageConformance`, so every adapter runs them.
 */
import assert from "node:assert/strict";
import { MachineNotFoundError } from "../../core/errors.js";
import { FULL_HISTORY } from "../../core/history-range.js";
import { failRecord, newMachineRecord } from "../../core/step.js";
import type { WithStorage } from "./index.js";
import {
  assertBytes,
  bytes,
  claimOptions,
  createMachine,
  lease,
  NS,
  notification,
  SECOND,
  T0,
  update,
} from "./support.js";

// A registration lists test cases, each a closure of its own: its length is the number of cases, not one flow.
export function registerClaimCases(withStorage: WithStorage): void {
  withStorage(
    "due timers are claimed once, with a lease; failed and future ones are not",
    async (storage) => {
      const timer = (dueAtUs: number) => ({ dueAtUs, range: FULL_HISTORY });
      await createMachine(storage, "due", 0, { timer: timer(T0) });
      await createMachine(storage, "future", 0, { timer: timer(T0 + 60 * SECOND) });
      const failing = await createMachine(storage, "failed", 0, { timer: timer(T0) });
      const held = await lease(storage, "failed");
      await storage.commit([update(held, failRecord(failing, "x", T0), [])]);
      assert.equal(await storage.nextDueAtUs([NS]), T0);
      const claimed = await storage.claimDueTimers(
        claimOptions(T0 + SECOND, T0 + 10 * SECOND, { owner: "a" }),
      );
      assert.deepEqual(
        claimed.map((entry) => entry.record.id),
        ["due"],
      );
      assert.equal(claimed[0]?.lease.owner, "a");
      const second = await storage.claimDueTimers(
        claimOptions(T0 + SECOND, T0 + 10 * SECOND, { owner: "b" }),
      );
      assert.deepEqual(second, [], "a claimed machine is leased and not claimed again");
      const afterExpiry = await storage.claimDueTimers(
        claimOptions(T0 + 11 * SECOND, T0 + 20 * SECOND, { owner: "b" }),
      );
      assert.deepEqual(
        afterExpiry.map((entry) => entry.record.id),
        ["due"],
        "an expired claim is claimed again",
      );
    },
  );

  withStorage(
    "a claim names the other owner whose expired lease it took over, and no one else",
    async (storage) => {
      const timer = { dueAtUs: T0, range: FULL_HISTORY };
      await createMachine(storage, "free", 0, { timer });
      await createMachine(storage, "abandoned", 0, { timer });
      await createMachine(storage, "own", 0, { timer });
      // Leases taken at T0 last 30 s.
      await lease(storage, "abandoned", "dead");
      await lease(storage, "own", "b");
      const claimed = await storage.claimDueTimers(
        claimOptions(T0 + 31 * SECOND, T0 + 40 * SECOND, { owner: "b" }),
      );
      const takeovers = Object.fromEntries(
        claimed.map((entry) => [entry.record.id, entry.takenOverFrom ?? null]),
      );
      assert.deepEqual(takeovers, { free: null, abandoned: "dead", own: null });
      await storage.insertNotification(notification("n1", "free", T0));
      const [delivery] = await storage.claimDueNotifications(
        claimOptions(T0 + 41 * SECOND, T0 + 50 * SECOND, { owner: "c" }),
      );
      assert.equal(delivery?.record.id, "free");
      assert.equal(delivery?.takenOverFrom, "b", "a notification claim reports its takeover too");
    },
  );

  withStorage(
    "notifications: stored only for a live machine, claimed when due, settled by the step",
    async (storage) => {
      await assert.rejects(
        storage.insertNotification(notification("n0", "missing", T0)),
        MachineNotFoundError,
      );
      const record = await createMachine(storage, "m", 0);
      await storage.insertNotification(notification("n1", "m", T0));
      await storage.insertNotification(notification("n2", "m", T0 + 1));
      const [first, ...rest] = await storage.claimDueNotifications(
        claimOptions(T0 + SECOND, T0 + 9 * SECOND, { owner: "a" }),
      );
      assert.equal(rest.length, 0, "one notification per machine per claim");
      assert.equal(first?.notification.id, "n1");
      assertBytes(first?.notification.args, bytes("args n1"));
      assert.ok(first);
      await storage.commit([
        update(first.lease, record, [], { notification: { id: "n1", outcome: { kind: "delivered" } } }),
      ]);
      const [second] = await storage.claimDueNotifications(
        claimOptions(T0 + SECOND, T0 + 9 * SECOND, { owner: "a" }),
      );
      assert.equal(second?.notification.id, "n2");
      assert.ok(second);
      const retry = {
        kind: "retry" as const,
        dueAtUs: T0 + 5 * SECOND,
        attempt: 1,
        firstFailedAtUs: T0 + SECOND,
        lastError: "down",
      };
      await storage.commit([
        update(second.lease, record, [], { notification: { id: "n2", outcome: retry } }),
      ]);
      assert.equal(await storage.nextDueAtUs([NS]), T0 + 5 * SECOND);
      const [again] = await storage.claimDueNotifications(
        claimOptions(T0 + 6 * SECOND, T0 + 9 * SECOND, { owner: "a" }),
      );
      assert.equal(again?.notification.attempt, 1);
      assert.equal(again?.notification.lastError, "down");
    },
  );

  withStorage("a failed machine's notifications wait for its repair", async (storage) => {
    const record = await createMachine(storage, "m", 0);
    await storage.insertNotification(notification("n1", "m", T0));
    const held = await lease(storage, "m");
    await storage.commit([update(held, failRecord(record, "x", T0), [])]);
    assert.deepEqual(
      await storage.claimDueNotifications(claimOptions(T0 + SECOND, T0 + 9 * SECOND, { owner: "a" })),
      [],
    );
    const again = await lease(storage, "m");
    await storage.commit([update(again, record, [])]);
    const claimed = await storage.claimDueNotifications(
      claimOptions(T0 + SECOND, T0 + 9 * SECOND, { owner: "a" }),
    );
    assert.deepEqual(
      claimed.map((entry) => entry.notification.id),
      ["n1"],
    );
  });

  withStorage("claims and the next due instant see only the namespaces asked for", async (storage) => {
    // Nodes of one database may serve different namespaces (a rolling deploy adds one on some nodes first).
    const timer = { dueAtUs: T0, range: FULL_HISTORY };
    await createMachine(storage, "mine", 0, { timer });
    const otherLease = await storage.acquireLease({
      namespace: "other",
      machineId: "theirs",
      owner: "x",
      nowUs: T0,
      untilUs: T0 + SECOND,
    });
    assert.ok(otherLease.acquired);
    const theirs = {
      ...newMachineRecord("other", "theirs", T0),
      timer: { dueAtUs: T0 - SECOND, range: FULL_HISTORY },
    };
    await storage.commit([
      { lease: otherLease.lease, kind: "create", record: theirs, events: [], leaseUntilUs: null },
    ]);
    await storage.insertNotification({
      ...notification("n-theirs", "theirs", T0 - SECOND),
      namespace: "other",
    });
    assert.equal(await storage.nextDueAtUs([NS]), T0, "the other namespace's earlier work is not counted");
    assert.equal(await storage.nextDueAtUs(["other"]), T0 - SECOND);
    assert.deepEqual(await storage.claimDueNotifications(claimOptions(T0 + SECOND, T0 + 9 * SECOND)), []);
    const claimed = await storage.claimDueTimers(claimOptions(T0 + SECOND, T0 + 9 * SECOND));
    assert.deepEqual(
      claimed.map((entry) => `${entry.record.namespace}/${entry.record.id}`),
      [`${NS}/mine`],
    );
    const [theirNotification] = await storage.claimDueNotifications(
      claimOptions(T0 + SECOND, T0 + 9 * SECOND, { namespaces: ["other"] }),
    );
    assert.equal(theirNotification?.notification.id, "n-theirs");
  });
}
