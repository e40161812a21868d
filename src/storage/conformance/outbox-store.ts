/**
 * Conformance cases of the outbox store: records committed with their steps, read and deleted by the relay of
 * their sink under its lease (fenced by epoch), parked when the sink rejects one for good (the machine's later
 * records held back), requeued or dropped by an operator, and replayed from history. Registered by
 * `runStorageConformance`, so every adapter runs them.
 */
import assert from "node:assert/strict";
import { LeaseLostError } from "../../core/errors.js";
import type { Lease } from "../machine-store.js";
import type { Storage } from "../storage.js";
import type { WithStorage } from "./index.js";
import {
  assertBytes,
  bytes,
  createMachine,
  eventDraft,
  eventsAfter,
  lease,
  NS,
  SECOND,
  SINK_LEASE_NAMESPACE,
  sinkLease,
  T0,
  takeOver,
  update,
} from "./support.js";

/** The relay's lease on each sink, taken once per storage. */
const SINK_LEASES = new WeakMap<Storage, Map<string, Lease>>();

async function sinkLeaseOf(storage: Storage, sink: string): Promise<Lease> {
  const leases = SINK_LEASES.get(storage) ?? new Map<string, Lease>();
  SINK_LEASES.set(storage, leases);
  const held = leases.get(sink) ?? (await sinkLease(storage, sink));
  leases.set(sink, held);
  return held;
}

async function read(storage: Storage, sink: string, limit = 10) {
  return storage.readOutbox({ lease: await sinkLeaseOf(storage, sink), sink, limit });
}

/** Commits `count` steps on machine `machineId`, one event each, every event bound for `sink`. */
async function commitEvents(storage: Storage, machineId: string, count: number, sink: string): Promise<void> {
  let record = await createMachine(storage, machineId, 0);
  for (let index = 0; index < count; index += 1) {
    const held = await lease(storage, machineId);
    const events = eventsAfter(record.lastEventId, 1, T0 + index);
    const next = { ...record, lastEventId: record.lastEventId + 1 };
    const outbox = events.map((event) => ({ sink, draft: eventDraft(machineId, event) }));
    assert.deepEqual(await storage.commit([update(held, next, events, { outbox })]), [{ ok: true }]);
    record = next;
  }
}

const describeRecords = (stored: Awaited<ReturnType<typeof read>>) =>
  stored.map((entry) =>
    entry.record.kind === "event" ? `${entry.record.machineId}#${entry.record.eventId}` : "?",
  );

// A registration lists test cases, each a closure of its own: its length is the number of cases, not one flow.
export function registerOutboxStoreCases(withStorage: WithStorage): void {
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
      const stored = await read(storage, "kafka");
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
      assert.equal((await read(storage, "nats")).length, 1);
      assert.deepEqual(await storage.outboxBacklog("kafka"), {
        records: 3,
        oldestCreatedAtUs: T0,
        parked: 0,
      });
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
      assert.equal(
        await storage.deleteOutbox({
          lease: await sinkLeaseOf(storage, "kafka"),
          sink: "kafka",
          positions: positions.slice(0, 2),
        }),
        2,
      );
      assert.equal(
        await storage.deleteOutbox({
          lease: await sinkLeaseOf(storage, "kafka"),
          sink: "kafka",
          positions: positions.slice(0, 2),
        }),
        0,
        "deleting twice is harmless",
      );
      assert.deepEqual(
        (await read(storage, "kafka")).map((entry) => entry.position),
        [positions[2]],
      );
      assert.deepEqual(await storage.outboxBacklog("empty"), {
        records: 0,
        oldestCreatedAtUs: null,
        parked: 0,
      });
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
      assert.deepEqual(await read(storage, "s"), []);
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
        (await read(storage, "s")).map((entry) => entry.record.kind),
        ["lifecycle"],
      );
    },
  );

  withStorage(
    "a read leaves out the positions it is told to skip (a delete still in flight)",
    async (storage) => {
      await commitEvents(storage, "m", 3, "s");
      const all = await read(storage, "s");
      assert.equal(all.length, 3);
      const [first, second, third] = all.map((entry) => entry.position);
      const lease = await sinkLeaseOf(storage, "s");
      const skipped = await storage.readOutbox({ lease, sink: "s", limit: 10, skipPositions: [first ?? 0] });
      assert.deepEqual(
        skipped.map((entry) => entry.position),
        [second, third],
      );
      const limited = await storage.readOutbox({
        lease,
        sink: "s",
        limit: 1,
        skipPositions: [first ?? 0, 999_999],
      });
      assert.deepEqual(
        limited.map((entry) => entry.position),
        [second],
        "the limit counts the records answered, not the skipped",
      );
      assert.equal((await storage.readOutbox({ lease, sink: "s", limit: 10, skipPositions: [] })).length, 3);
    },
  );

  withStorage("the relay's reads, deletes and parks are fenced by the sink's lease", async (storage) => {
    await commitEvents(storage, "m", 2, "s");
    const stale = await sinkLease(storage, "s", "relay-a", T0);
    const [first] = await storage.readOutbox({ lease: stale, sink: "s", limit: 10 });
    assert.ok(first !== undefined, "the leader reads");
    const taken = await storage.acquireLease({
      namespace: SINK_LEASE_NAMESPACE,
      machineId: "s",
      owner: "relay-b",
      nowUs: T0 + 60 * SECOND,
      untilUs: T0 + 90 * SECOND,
    });
    assert.ok(taken.acquired, "another node takes the expired lease over");
    await assert.rejects(storage.readOutbox({ lease: stale, sink: "s", limit: 10 }), LeaseLostError);
    await assert.rejects(
      storage.deleteOutbox({ lease: stale, sink: "s", positions: [first.position] }),
      LeaseLostError,
    );
    await assert.rejects(
      storage.parkOutboxRecord({ lease: stale, sink: "s", position: first.position, reason: "x", nowUs: T0 }),
      LeaseLostError,
    );
    const now = await storage.readOutbox({ lease: taken.lease, sink: "s", limit: 10 });
    assert.equal(now.length, 2, "the stale leader deleted and parked nothing");
    assert.equal((await storage.outboxBacklog("s")).parked, 0);
  });

  withStorage(
    "a parked record holds back its machine's later records for that sink only; requeue puts it first",
    async (storage) => {
      await commitEvents(storage, "a", 3, "s");
      await commitEvents(storage, "b", 2, "s");
      await commitEvents(storage, "a-elsewhere", 1, "t");
      const before = await read(storage, "s");
      assert.deepEqual(describeRecords(before), ["a#1", "a#2", "a#3", "b#1", "b#2"]);
      const rejected = before[1];
      assert.ok(rejected !== undefined);
      const held = await sinkLeaseOf(storage, "s");
      await storage.parkOutboxRecord({
        lease: held,
        sink: "s",
        position: rejected.position,
        reason: "too big",
        nowUs: T0,
      });
      assert.deepEqual(
        describeRecords(await read(storage, "s")),
        ["b#1", "b#2"],
        "a's records wait; b flows",
      );
      assert.equal((await read(storage, "t")).length, 1, "other sinks are not held back");
      assert.deepEqual(await storage.outboxBacklog("s"), { records: 4, oldestCreatedAtUs: T0, parked: 1 });
      const parked = await storage.listParked({ sink: "s", limit: 10 });
      assert.deepEqual(
        parked.map((entry) => [entry.position, entry.sink, entry.reason]),
        [[rejected.position, "s", "too big"]],
      );
      assert.equal(await storage.requeueParked({ sink: "s", positions: [rejected.position] }), 1);
      assert.deepEqual(
        describeRecords(await read(storage, "s")),
        ["a#1", "a#2", "a#3", "b#1", "b#2"],
        "the requeued record is back at its old position, before the held-back ones",
      );
      await storage.parkOutboxRecord({
        lease: held,
        sink: "s",
        position: rejected.position,
        reason: "again",
        nowUs: T0,
      });
      assert.equal(await storage.dropParked({ sink: "s", positions: [rejected.position] }), 1);
      assert.deepEqual(
        describeRecords(await read(storage, "s")),
        ["a#1", "a#3", "b#1", "b#2"],
        "dropped for good",
      );
      assert.deepEqual(await storage.listParked({ limit: 10 }), []);
    },
  );

  withStorage(
    "replaying events writes a machine's committed events into a sink's outbox again, in order",
    async (storage) => {
      await commitEvents(storage, "a", 3, "s");
      await commitEvents(storage, "b", 1, "s");
      const published = await read(storage, "s");
      await storage.deleteOutbox({
        lease: await sinkLeaseOf(storage, "s"),
        sink: "s",
        positions: published.map((e) => e.position),
      });
      assert.equal(
        await storage.replayEvents({ sink: "s", namespace: NS, machineId: "a", afterEventId: 1 }),
        2,
      );
      assert.deepEqual(describeRecords(await read(storage, "s")), ["a#2", "a#3"]);
      assert.equal(await storage.replayEvents({ sink: "s", namespace: NS }), 4, "the whole namespace");
      const all = await read(storage, "s");
      assert.deepEqual(describeRecords(all), ["a#2", "a#3", "a#1", "a#2", "a#3", "b#1"]);
      const [replayed] = all;
      assert.ok(replayed?.record.kind === "event");
      assertBytes(replayed.record.data, bytes("event 2"));
    },
  );
}
