/**
 * The storage conformance suite: what every Storage adapter must do, checked the same way for all. An adapter's
 * test file calls `runStorageConformance` with a factory that returns a fresh, empty, migrated storage.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LeaseLostError, MachineAlreadyExistsError, MachineNotFoundError } from "../core/errors.js";
import { FULL_HISTORY, selectEventSpan } from "../core/history-range.js";
import type { Event, MachineRecord } from "../core/machine.js";
import { failRecord, newMachineRecord } from "../core/step.js";
import type { Lease, StepCommit, Storage } from "./storage.js";

export interface StorageFixture {
  readonly storage: Storage;
  /** Closes the storage and deletes what the fixture created. */
  dispose(): Promise<void>;
}

const NS = "conformance";
const T0 = 1_700_000_000_000_000;
const SECOND = 1_000_000;
const bytes = (text: string) => new TextEncoder().encode(text);

/** Adapters may return Buffer (a Uint8Array subclass); only the bytes must match. */
function assertBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  assert.ok(actual instanceof Uint8Array, "payload is bytes");
  assert.deepEqual(Uint8Array.from(actual), expected);
}

function plainRecord(record: MachineRecord | null | undefined): MachineRecord | null | undefined {
  return (
    record && { ...record, auxState: { ...record.auxState, data: Uint8Array.from(record.auxState.data) } }
  );
}

function eventsAfter(lastEventId: number, count: number, nowUs: number): Event[] {
  return Array.from({ length: count }, (_, index) => ({
    id: lastEventId + index + 1,
    createdAtUs: nowUs + index,
    data: bytes(`event ${lastEventId + index + 1}`),
  }));
}

async function lease(storage: Storage, machineId: string, owner = "node-a", nowUs = T0): Promise<Lease> {
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

/** Creates a machine with `count` events and returns its record, lease released. */
async function createMachine(
  storage: Storage,
  machineId: string,
  count: number,
  patch: Partial<MachineRecord> = {},
) {
  const held = await lease(storage, machineId);
  const events = eventsAfter(0, count, T0);
  const record: MachineRecord = { ...newMachineRecord(NS, machineId, T0), lastEventId: count, ...patch };
  const [outcome] = await storage.commit([
    { lease: held, kind: "create", record, events, leaseUntilUs: null },
  ]);
  assert.deepEqual(outcome, { ok: true });
  return record;
}

function update(
  held: Lease,
  record: MachineRecord,
  events: Event[],
  extra: Partial<StepCommit> = {},
): StepCommit {
  return { lease: held, kind: "update", record, events, leaseUntilUs: null, ...extra };
}

export function runStorageConformance(
  adapterName: string,
  createFixture: () => Promise<StorageFixture>,
): void {
  describe(`storage conformance: ${adapterName}`, () => {
    const withStorage = (name: string, body: (storage: Storage) => Promise<void>) =>
      test(name, async () => {
        const fixture = await createFixture();
        try {
          await body(fixture.storage);
        } finally {
          await fixture.dispose();
        }
      });

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
      const fresh = await storage.acquireLease({
        namespace: NS,
        machineId: "m",
        owner: "b",
        nowUs: T0 + 60 * SECOND,
        untilUs: T0 + 90 * SECOND,
      });
      assert.ok(fresh.acquired);
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
        assert.deepEqual(
          await storage.claimDueNotifications({
            owner: "a",
            nowUs: T0 + SECOND,
            untilUs: T0 + 9 * SECOND,
            limit: 10,
          }),
          [],
        );
        await createMachine(storage, "m", 1);
        assert.equal((await storage.readMachine(NS, "m"))?.lastEventId, 1);
      },
    );

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
        assert.equal(
          lifecycle.sequence,
          stored[2]?.position,
          "a lifecycle record's sequence is its position",
        );
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
        const fresh = await storage.acquireLease({
          namespace: NS,
          machineId: "m",
          owner: "b",
          nowUs: T0 + 60 * SECOND,
          untilUs: T0 + 90 * SECOND,
        });
        assert.ok(fresh.acquired);
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
            lease: fresh.lease,
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

    withStorage("a reader sees all of a 1000-event step or none of it", async (storage) => {
      const record = await createMachine(storage, "big", 0);
      const held = await lease(storage, "big");
      const commit = storage.commit([
        update(held, { ...record, lastEventId: 1000 }, eventsAfter(0, 1000, T0)),
      ]);
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
  });
}

function notification(id: string, machineId: string, dueAtUs: number) {
  return {
    namespace: NS,
    id,
    machineId,
    args: bytes(`args ${id}`),
    range: FULL_HISTORY,
    createdAtUs: dueAtUs,
    dueAtUs,
    attempt: 0,
  };
}
