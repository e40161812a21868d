/**
 * Conformance cases of the machine store: leases, the fenced atomic commit of steps, reads of machines and their
 * history, removal. Registered by `runStorageConformance`, so every adapter runs them.
 */
import assert from "node:assert/strict";
import { LeaseLostError, MachineAlreadyExistsError } from "../../core/errors.js";
import { FULL_HISTORY, selectEventSpan } from "../../core/history-range.js";
import type { Event, MachineRecord } from "../../core/machine.js";
import { failRecord, newMachineRecord } from "../../core/step.js";
import type { WithStorage } from "./index.js";
import {
  assertBytes,
  bytes,
  claimOptions,
  createMachine,
  eventDraft,
  eventsAfter,
  lease,
  NS,
  notification,
  plainRecord,
  SECOND,
  sinkLease,
  T0,
  takeOver,
  update,
} from "./support.js";

// A registration lists test cases, each a closure of its own: its length is the number of cases, not one flow.
export function registerMachineStoreCases(withStorage: WithStorage): void {
  withStorage(
    "a lease is exclusive until it expires, and every new lease has a higher epoch",
    async (storage) => {
      const first = await storage.acquireLease({
        namespace: NS,
        machineId: "m",
        owner: "a",
        nowUs: T0,
        untilUs: T0 + SECOND,
      });
      assert.ok(first.acquired);
      assert.equal(first.record, null, "a machine that does not exist can be leased, and reads as null");
      const busy = await storage.acquireLease({
        namespace: NS,
        machineId: "m",
        owner: "b",
        nowUs: T0,
        untilUs: T0 + SECOND,
      });
      assert.deepEqual(busy, { acquired: false, heldUntilUs: T0 + SECOND });
      const again = await storage.acquireLease({
        namespace: NS,
        machineId: "m",
        owner: "a",
        nowUs: T0,
        untilUs: T0 + SECOND,
      });
      assert.ok(
        again.acquired && again.lease.epoch > first.lease.epoch,
        "the same owner re-acquires with a new epoch",
      );
      const later = T0 + 2 * SECOND;
      const takeover = await storage.acquireLease({
        namespace: NS,
        machineId: "m",
        owner: "b",
        nowUs: later,
        untilUs: later + SECOND,
      });
      assert.ok(
        takeover.acquired && takeover.lease.epoch > again.lease.epoch,
        "an expired lease is taken over",
      );
    },
  );

  withStorage(
    "a step commits its record and events atomically, readable by span in both directions",
    async (storage) => {
      await createMachine(storage, "m", 10);
      const record = await storage.readMachine(NS, "m");
      assert.equal(record?.lastEventId, 10);
      const forward = await storage.readEvents(NS, "m", { from: 3, to: 5, direction: "forward", count: 3 });
      assert.deepEqual(
        forward.map((event) => event.id),
        [3, 4, 5],
      );
      const backward = await storage.readEvents(NS, "m", {
        from: 10,
        to: 8,
        direction: "backward",
        count: 3,
      });
      assert.deepEqual(
        backward.map((event) => event.id),
        [10, 9, 8],
      );
      assertBytes(backward[0]?.data, bytes("event 10"));
    },
  );

  withStorage(
    "payloads, format versions, aux state, timer, retry and failure round-trip exactly",
    async (storage) => {
      const binary = Uint8Array.from([0, 255, 1, 0, 128, 0]);
      const held = await lease(storage, "exact");
      const record: MachineRecord = {
        ...newMachineRecord(NS, "exact", T0),
        auxState: { formatVersion: 7, data: binary },
        lastEventId: 2,
        timer: {
          dueAtUs: T0 + 5 * SECOND,
          range: { after: 1, limit: 5, direction: "backward" },
          processor: "p2",
          context: { "woody.trace-id": "t" },
        },
        retry: { attempt: 2, firstFailedAtUs: T0, dueAtUs: T0 + SECOND, lastError: "unavailable" },
      };
      const events: Event[] = [
        { id: 1, createdAtUs: T0 + 1, formatVersion: 3, data: binary },
        { id: 2, createdAtUs: T0 + 2, data: new Uint8Array(0) },
      ];
      await storage.commit([{ lease: held, kind: "create", record, events, leaseUntilUs: null }]);
      const read = await storage.readMachineWithEvents(NS, "exact", (current) =>
        selectEventSpan(FULL_HISTORY, 1, current.lastEventId),
      );
      assert.deepEqual(plainRecord(read?.record), record);
      assert.deepEqual(
        read?.events.map((event) => ({ ...event, data: Uint8Array.from(event.data) })),
        events,
      );
      const failed = failRecord(record, "boom", T0 + 3);
      const again = await lease(storage, "exact");
      await storage.commit([update(again, failed, [])]);
      assert.deepEqual(plainRecord(await storage.readMachine(NS, "exact")), failed);
    },
  );

  withStorage("a step under a superseded lease writes nothing and gets LeaseLostError", async (storage) => {
    const record = await createMachine(storage, "m", 1);
    const stale = await lease(storage, "m", "a", T0);
    const _fresh = await takeOver(storage, "m");
    const next = { ...record, lastEventId: 2 };
    const [outcome] = await storage.commit([update(stale, next, eventsAfter(1, 1, T0))]);
    assert.ok(outcome && !outcome.ok && outcome.error instanceof LeaseLostError);
    assert.equal((await storage.readMachine(NS, "m"))?.lastEventId, 1);
    assert.deepEqual(
      await storage.readEvents(NS, "m", { from: 2, to: 2, direction: "forward", count: 1 }),
      [],
    );
  });

  withStorage("in one batch, a fenced-out step fails alone and the others commit", async (storage) => {
    const a = await createMachine(storage, "a", 0);
    const b = await createMachine(storage, "b", 0);
    const leaseA = await lease(storage, "a");
    const leaseB = await lease(storage, "b");
    const staleB = { ...leaseB, epoch: leaseB.epoch - 1000 };
    const outcomes = await storage.commit([
      update(leaseA, { ...a, lastEventId: 1 }, eventsAfter(0, 1, T0)),
      update(staleB, { ...b, lastEventId: 1 }, eventsAfter(0, 1, T0)),
    ]);
    assert.deepEqual(outcomes[0], { ok: true });
    assert.ok(outcomes[1] && !outcomes[1].ok && outcomes[1].error instanceof LeaseLostError);
    assert.equal((await storage.readMachine(NS, "a"))?.lastEventId, 1);
    assert.equal((await storage.readMachine(NS, "b"))?.lastEventId, 0);
  });

  withStorage("creating a machine that exists gets MachineAlreadyExistsError", async (storage) => {
    await createMachine(storage, "m", 1);
    const held = await lease(storage, "m");
    const [outcome] = await storage.commit([
      {
        lease: held,
        kind: "create",
        record: newMachineRecord(NS, "m", T0),
        events: [],
        leaseUntilUs: null,
      },
    ]);
    assert.ok(outcome && !outcome.ok && outcome.error instanceof MachineAlreadyExistsError);
    assert.equal((await storage.readMachine(NS, "m"))?.lastEventId, 1);
  });

  withStorage(
    "in one batch, creating a machine that exists fails alone and writes nothing of its step",
    async (storage) => {
      await createMachine(storage, "m", 1);
      const a = await createMachine(storage, "a", 0);
      const [event] = eventsAfter(0, 1, T0);
      assert.ok(event !== undefined);
      const outcomes = await storage.commit([
        {
          lease: await lease(storage, "m"),
          kind: "create",
          record: { ...newMachineRecord(NS, "m", T0), lastEventId: 1 },
          events: [event],
          leaseUntilUs: null,
          outbox: [{ sink: "s", draft: eventDraft("m", event) }],
          idempotency: {
            namespace: NS,
            key: "k",
            machineId: "m",
            operation: "start",
            requestHash: "h",
            outcome: { kind: "started" },
            createdAtUs: T0,
          },
        },
        update(await lease(storage, "a"), { ...a, lastEventId: 1 }, [event], {
          outbox: [{ sink: "s", draft: eventDraft("a", event) }],
        }),
      ]);
      assert.ok(outcomes[0] && !outcomes[0].ok && outcomes[0].error instanceof MachineAlreadyExistsError);
      assert.deepEqual(outcomes[1], { ok: true });
      assert.equal(await storage.readIdempotencyKey(NS, "k"), null, "no idempotency key of the failed step");
      const records = await storage.readOutbox({
        lease: await sinkLease(storage, "s"),
        sink: "s",
        limit: 10,
      });
      assert.deepEqual(
        records.map((stored) => stored.record.machineId),
        ["a"],
        "only the committed step's outbox record",
      );
      assert.equal((await storage.readMachine(NS, "a"))?.lastEventId, 1);
    },
  );

  withStorage("a kept lease survives the commit; a released one is free at once", async (storage) => {
    const record = await createMachine(storage, "m", 0);
    const held = await lease(storage, "m");
    await storage.commit([update(held, record, [], { leaseUntilUs: T0 + 40 * SECOND })]);
    const busy = await storage.acquireLease({
      namespace: NS,
      machineId: "m",
      owner: "b",
      nowUs: T0 + 35 * SECOND,
      untilUs: T0 + 50 * SECOND,
    });
    assert.deepEqual(busy, { acquired: false, heldUntilUs: T0 + 40 * SECOND });
    await storage.commit([update(held, record, [])]);
    const free = await storage.acquireLease({
      namespace: NS,
      machineId: "m",
      owner: "b",
      nowUs: T0,
      untilUs: T0 + SECOND,
    });
    assert.ok(free.acquired);
  });

  withStorage("renewing leases extends live ones and reports lost ones", async (storage) => {
    const kept = await lease(storage, "kept");
    const lost = await lease(storage, "lost");
    await storage.releaseLease(lost);
    assert.deepEqual(await storage.renewLeases([kept, lost], T0 + 100 * SECOND), [lost]);
    const busy = await storage.acquireLease({
      namespace: NS,
      machineId: "kept",
      owner: "b",
      nowUs: T0 + 50 * SECOND,
      untilUs: T0 + 60 * SECOND,
    });
    assert.equal(busy.acquired, false);
  });

  withStorage(
    "remove deletes the machine, its events and notifications; the id can start again from 1",
    async (storage) => {
      const record = await createMachine(storage, "m", 3);
      await storage.insertNotification(notification("n1", "m", T0));
      const held = await lease(storage, "m");
      await storage.commit([{ lease: held, kind: "remove", record, events: [], leaseUntilUs: null }]);
      assert.equal(await storage.readMachine(NS, "m"), null);
      assert.deepEqual(
        await storage.readEvents(NS, "m", { from: 1, to: 3, direction: "forward", count: 3 }),
        [],
      );
      assert.deepEqual(await storage.claimDueNotifications(claimOptions(T0 + SECOND, T0 + 9 * SECOND)), []);
      await createMachine(storage, "m", 1);
      assert.equal((await storage.readMachine(NS, "m"))?.lastEventId, 1);
    },
  );

  withStorage("a reader sees all of a 1000-event step or none of it", async (storage) => {
    const record = await createMachine(storage, "big", 0);
    const held = await lease(storage, "big");
    const commit = storage.commit([update(held, { ...record, lastEventId: 1000 }, eventsAfter(0, 1000, T0))]);
    const seen = new Set<number>();
    for (let read = 0; read < 20; read += 1) {
      const snapshot = await storage.readMachineWithEvents(NS, "big", (current) =>
        selectEventSpan(FULL_HISTORY, 1, current.lastEventId),
      );
      assert.equal(snapshot?.events.length, snapshot?.record.lastEventId);
      seen.add(snapshot?.events.length ?? -1);
    }
    await commit;
    for (const count of seen) assert.ok(count === 0 || count === 1000, `a reader saw ${count} events`);
    assert.equal((await storage.readMachine(NS, "big"))?.lastEventId, 1000);
  });

  withStorage(
    "a step is fenced by epoch and owner: the same epoch under another owner writes nothing",
    async (storage) => {
      // After a PostgreSQL crash the epoch sequence may repeat a value: only the pair names one holder.
      const held = await lease(storage, "m", "node-a");
      const impostor = { ...held, owner: "node-b" };
      const fresh = newMachineRecord(NS, "m", T0);
      const [create] = await storage.commit([
        { lease: impostor, kind: "create", record: fresh, events: [], leaseUntilUs: null },
      ]);
      assert.ok(
        create && !create.ok && create.error instanceof LeaseLostError,
        "a create is fenced by owner",
      );
      assert.equal(await storage.readMachine(NS, "m"), null, "the refused create inserted nothing");
      const [created] = await storage.commit([
        { lease: held, kind: "create", record: fresh, events: [], leaseUntilUs: T0 + 30 * SECOND },
      ]);
      assert.deepEqual(created, { ok: true });
      const [updated] = await storage.commit([
        update(impostor, { ...fresh, lastEventId: 1 }, eventsAfter(0, 1, T0)),
      ]);
      assert.ok(updated && !updated.ok && updated.error instanceof LeaseLostError, "an update too");
      assert.equal((await storage.readMachine(NS, "m"))?.lastEventId, 0);
    },
  );

  withStorage(
    "modernization rewrites event bodies in the step's fenced commit; a stale lease rewrites nothing",
    async (storage) => {
      const record = await createMachine(storage, "m", 3);
      const stale = await lease(storage, "m", "a", T0);
      const fresh = await takeOver(storage, "m");
      const contents = [
        { eventId: 2, content: { formatVersion: 2, data: bytes("new 2") } },
        { eventId: 9, content: { formatVersion: 2, data: bytes("missing") } },
      ];
      const touched = { ...record, updatedAtUs: T0 + 1 };
      const [refused] = await storage.commit([update(stale, touched, [], { eventContents: contents })]);
      assert.ok(refused && !refused.ok && refused.error instanceof LeaseLostError);
      const span = { from: 2, to: 2, direction: "forward" as const, count: 1 };
      const [unchanged] = await storage.readEvents(NS, "m", span);
      assertBytes(unchanged?.data, bytes("event 2"));
      assert.deepEqual(await storage.commit([update(fresh, touched, [], { eventContents: contents })]), [
        { ok: true },
      ]);
      const [event] = await storage.readEvents(NS, "m", span);
      assert.equal(event?.formatVersion, 2);
      assertBytes(event?.data, bytes("new 2"));
      assert.equal(
        (await storage.readMachine(NS, "m"))?.updatedAtUs,
        T0 + 1,
        "the record is touched with it",
      );
    },
  );
}
