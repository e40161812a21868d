/**
 * Conformance cases for the queues a storage keeps: due timers claimed by the scheduler, notifications, and
 * the outbox. Registered by `runStorageConformance`, so every adapter runs them.
 */
import assert from "node:assert/strict";
import { MachineNotFoundError } from "../core/errors.js";
import { FULL_HISTORY } from "../core/history-range.js";
import { failRecord } from "../core/step.js";
import {
  assertBytes,
  bytes,
  createMachine,
  eventsAfter,
  lease,
  NS,
  notification,
  SECOND,
  T0,
  takeOver,
  update,
} from "./conformance-support.js";
import type { Storage } from "./storage.js";

export function registerQueueCases(
  withStorage: (name: string, body: (storage: Storage) => Promise<void>) => void,
): void {
  withStorage(
    "due machines are claimed once, with a lease; failed and future ones are not",
    async (storage) => {
      const timer = (dueAtUs: number) => ({ dueAtUs, range: FULL_HISTORY });
      await createMachine(storage, "due", 0, { timer: timer(T0) });
      await createMachine(storage, "future", 0, { timer: timer(T0 + 60 * SECOND) });
      const failing = await createMachine(storage, "failed", 0, { timer: timer(T0) });
      const held = await lease(storage, "failed");
      await storage.commit([update(held, failRecord(failing, "x", T0), [])]);
      assert.equal(await storage.nextDueAtUs(), T0);
      const claimed = await storage.claimDueMachines({
        owner: "a",
        nowUs: T0 + SECOND,
        untilUs: T0 + 10 * SECOND,
        limit: 10,
      });
      assert.deepEqual(
        claimed.map((entry) => entry.record.id),
        ["due"],
      );
      assert.equal(claimed[0]?.lease.owner, "a");
      const second = await storage.claimDueMachines({
        owner: "b",
        nowUs: T0 + SECOND,
        untilUs: T0 + 10 * SECOND,
        limit: 10,
      });
      assert.deepEqual(second, [], "a claimed machine is leased and not claimed again");
      const afterExpiry = await storage.claimDueMachines({
        owner: "b",
        nowUs: T0 + 11 * SECOND,
        untilUs: T0 + 20 * SECOND,
        limit: 10,
      });
      assert.deepEqual(
        afterExpiry.map((entry) => entry.record.id),
        ["due"],
        "an expired claim is claimed again",
      );
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
      const [first, ...rest] = await storage.claimDueNotifications({
        owner: "a",
        nowUs: T0 + SECOND,
        untilUs: T0 + 9 * SECOND,
        limit: 10,
      });
      assert.equal(rest.length, 0, "one notification per machine per claim");
      assert.equal(first?.notification.id, "n1");
      assertBytes(first?.notification.args, bytes("args n1"));
      assert.ok(first);
      await storage.commit([
        update(first.lease, record, [], { notification: { id: "n1", outcome: { kind: "delivered" } } }),
      ]);
      const [second] = await storage.claimDueNotifications({
        owner: "a",
        nowUs: T0 + SECOND,
        untilUs: T0 + 9 * SECOND,
        limit: 10,
      });
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
      assert.equal(await storage.nextDueAtUs(), T0 + 5 * SECOND);
      const [again] = await storage.claimDueNotifications({
        owner: "a",
        nowUs: T0 + 6 * SECOND,
        untilUs: T0 + 9 * SECOND,
        limit: 10,
      });
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
      await storage.claimDueNotifications({
        owner: "a",
        nowUs: T0 + SECOND,
        untilUs: T0 + 9 * SECOND,
        limit: 10,
      }),
      [],
    );
    const again = await lease(storage, "m");
    await storage.commit([update(again, record, [])]);
    const claimed = await storage.claimDueNotifications({
      owner: "a",
      nowUs: T0 + SECOND,
      untilUs: T0 + 9 * SECOND,
      limit: 10,
    });
    assert.deepEqual(
      claimed.map((entry) => entry.notification.id),
      ["n1"],
    );
  });

  withStorage("modernization rewrites event bodies in place", async (storage) => {
    await createMachine(storage, "m", 3);
    const changed = await storage.updateEventContents(NS, "m", [
      { eventId: 2, content: { formatVersion: 2, data: bytes("new 2") } },
      { eventId: 9, content: { formatVersion: 2, data: bytes("missing") } },
    ]);
    assert.equal(changed, 1);
    const [event] = await storage.readEvents(NS, "m", { from: 2, to: 2, direction: "forward", count: 1 });
    assert.equal(event?.formatVersion, 2);
    assertBytes(event?.data, bytes("new 2"));
  });

  withStorage("machines are listed in id order, page by page", async (storage) => {
    for (const id of ["c", "a", "b"]) await createMachine(storage, id, 0);
    const first = await storage.listMachines(NS, { limit: 2 });
    assert.deepEqual(
      first.map((record) => record.id),
      ["a", "b"],
    );
    const next = await storage.listMachines(NS, { afterId: "b", limit: 2 });
    assert.deepEqual(
      next.map((record) => record.id),
      ["c"],
    );
  });

  withStorage(
    "outbox records commit with their step, per sink, in commit order, and are deleted once published",
    async (storage) => {
      const record = await createMachine(storage, "m", 0);
      const held = await lease(storage, "m");
      const events = eventsAfter(0, 2, T0);
      const drafts = [
        ...events.map((event) => ({
          kind: "event" as const,
          namespace: NS,
          machineId: "m",
          eventId: event.id,
          createdAtUs: event.createdAtUs,
          ...(event.id === 2 ? { formatVersion: 4 } : {}),
          data: event.data,
        })),
        {
          kind: "lifecycle" as const,
          namespace: NS,
          machineId: "m",
          createdAtUs: T0,
          change: { kind: "failed" as const, reason: "why" },
        },
      ];
      const outbox = [
        ...drafts.map((draft) => ({ sink: "kafka", draft })),
        { sink: "nats", draft: drafts[0] as (typeof drafts)[number] },
      ];
      await storage.commit([update(held, { ...record, lastEventId: 2 }, events, { outbox })]);
      const stored = await storage.readOutbox("kafka", 10);
      assert.deepEqual(
        stored.map((entry) => entry.record.kind),
        ["event", "event", "lifecycle"],
      );
      const positions = stored.map((entry) => entry.position);
      assert.deepEqual(
        positions,
        [...positions].sort((a, b) => a - b),
        "in position order",
      );
      const [first, second, lifecycle] = stored.map((entry) => entry.record);
      assert.ok(first?.kind === "event" && second?.kind === "event" && lifecycle?.kind === "lifecycle");
      assert.equal(first.eventId, 1);
      assertBytes(first.data, bytes("event 1"));
      assert.equal(first.formatVersion, undefined);
      assert.equal(second.formatVersion, 4);
      assert.deepEqual(lifecycle.change, { kind: "failed", reason: "why" });
      assert.equal(lifecycle.sequence, stored[2]?.position, "a lifecycle record's sequence is its position");
      assert.equal((await storage.readOutbox("nats", 10)).length, 1);
      assert.deepEqual(await storage.outboxBacklog("kafka"), { records: 3, oldestCreatedAtUs: T0 });
      const pending = (sinks: string[], eventIdMax: number, committedAtUsMax: number) =>
        storage.outboxPending({ sinks, namespace: NS, machineId: "m", eventIdMax, committedAtUsMax });
      assert.equal(await pending(["kafka"], 2, T0), 3);
      assert.equal(await pending(["kafka", "nats"], 2, T0), 4);
      assert.equal(
        await pending(["kafka"], 1, T0 - 1),
        1,
        "later events and lifecycle records are not counted",
      );
      assert.equal(await pending(["other"], 2, T0), 0);
      assert.equal(await storage.deleteOutbox("kafka", positions.slice(0, 2)), 2);
      assert.equal(
        await storage.deleteOutbox("kafka", positions.slice(0, 2)),
        0,
        "deleting twice is harmless",
      );
      assert.deepEqual(
        (await storage.readOutbox("kafka", 10)).map((entry) => entry.position),
        [positions[2]],
      );
      assert.deepEqual(await storage.outboxBacklog("empty"), { records: 0, oldestCreatedAtUs: null });
    },
  );

  withStorage(
    "a fenced-out step leaves no outbox record; a removing step keeps its records",
    async (storage) => {
      const record = await createMachine(storage, "m", 0);
      const stale = await lease(storage, "m", "a", T0);
      const fresh = await takeOver(storage, "m");
      const removed = {
        kind: "lifecycle" as const,
        namespace: NS,
        machineId: "m",
        createdAtUs: T0,
        change: { kind: "removed" as const },
      };
      const [lost] = await storage.commit([
        update(stale, record, [], { outbox: [{ sink: "s", draft: removed }] }),
      ]);
      assert.equal(lost?.ok, false);
      assert.deepEqual(await storage.readOutbox("s", 10), []);
      await storage.commit([
        {
          lease: fresh,
          kind: "remove",
          record,
          events: [],
          leaseUntilUs: null,
          outbox: [{ sink: "s", draft: removed }],
        },
      ]);
      assert.equal(await storage.readMachine(NS, "m"), null);
      assert.deepEqual(
        (await storage.readOutbox("s", 10)).map((entry) => entry.record.kind),
        ["lifecycle"],
      );
    },
  );
}
