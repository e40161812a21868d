/**
 * Proves `ratchet outbox parked|requeue|drop|replay` as child processes against an SQLite file whose outbox holds
 * records of a configured sink: one record parked the way a relay parks it (under the sink's lease), its machine's
 * later record held back. `parked` lists it with the reason, `requeue` puts it back first, `drop` removes it for
 * good, `replay` writes a machine's events into the outbox again; an unknown sink and a missing --sink are usage
 * errors (exit 2).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { newMachineRecord } from "../../src/core/step.js";
import { RELAY_LEASE_NAMESPACE } from "../../src/sinks/outbox-relay.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { runCli, runCliOk } from "./cli-process.js";

const SINK = "orders/events";
let directory: string;
let configPath: string;
let storage: SqliteStorage;

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-cli-parked-"));
  const databasePath = join(directory, "ratchet.db");
  configPath = join(directory, "ratchet.yaml");
  writeFileSync(
    configPath,
    `storage: {type: sqlite, path: ${databasePath}}
namespaces:
  orders:
    processor: {url: "http://127.0.0.1:1/unused"}
    event_sinks:
      events: {type: nats, url: "nats://127.0.0.1:4222", stream: unused}
`,
  );
  storage = new SqliteStorage({ path: databasePath, nowUs: () => Date.now() * 1000 });
  // Machine o1 commits three events for the sink; the relay then parks the second.
  const acquired = await storage.acquireLease({
    namespace: "orders",
    machineId: "o1",
    owner: "n",
    nowUs: 1,
    untilUs: 2e15,
  });
  assert.ok(acquired.acquired);
  const events = [1, 2, 3].map((id) => ({ id, createdAtUs: 1_000_000 * id, data: new Uint8Array([id]) }));
  const outbox = events.map((event) => ({
    sink: SINK,
    draft: {
      kind: "event" as const,
      namespace: "orders",
      machineId: "o1",
      eventId: event.id,
      createdAtUs: event.createdAtUs,
      data: event.data,
    },
  }));
  const record = { ...newMachineRecord("orders", "o1", 1), lastEventId: 3 };
  assert.deepEqual(
    await storage.commit([
      { lease: acquired.lease, kind: "create", record, events, leaseUntilUs: null, outbox },
    ]),
    [{ ok: true }],
  );
  const relay = await storage.acquireLease({
    namespace: RELAY_LEASE_NAMESPACE,
    machineId: SINK,
    owner: "relay",
    nowUs: 1,
    untilUs: 2e15,
  });
  assert.ok(relay.acquired);
  const [, second] = await storage.readOutbox({ lease: relay.lease, sink: SINK, limit: 10 });
  assert.ok(second !== undefined);
  await storage.parkOutboxRecord({
    lease: relay.lease,
    sink: SINK,
    position: second.position,
    reason: "too big for the broker",
    nowUs: 5_000_000,
  });
});

after(async () => {
  await storage.close();
  rmSync(directory, { recursive: true, force: true });
});

const parked = async () =>
  (
    JSON.parse(await runCliOk(["outbox", "parked", "--json", "--config", configPath])) as {
      parked: { position: number; eventId: number; reason: string }[];
    }
  ).parked;

test("outbox parked lists a parked record with its reason; requeue puts it back; drop removes it", async () => {
  const [entry] = await parked();
  assert.deepEqual([entry?.eventId, entry?.reason], [2, "too big for the broker"]);
  assert.match(
    await runCliOk(["outbox", "parked", "--config", configPath]),
    /event 2 of machine "o1" in "orders"[\s\S]*too big for the broker/,
  );
  assert.match(
    await runCliOk(["outbox", "status", "--config", configPath]),
    /orders\/events {2}2 +\S+( \S+)? +1 +nats/,
  );
  assert.equal(
    await runCliOk([
      "outbox",
      "requeue",
      "--sink",
      SINK,
      "--position",
      String(entry?.position),
      "--config",
      configPath,
    ]),
    "requeued 1 of 1 parked records\n",
  );
  assert.deepEqual(await parked(), []);
  const relay = await storage.acquireLease({
    namespace: RELAY_LEASE_NAMESPACE,
    machineId: SINK,
    owner: "relay",
    nowUs: 1,
    untilUs: 2e15,
  });
  assert.ok(relay.acquired);
  const waiting = await storage.readOutbox({ lease: relay.lease, sink: SINK, limit: 10 });
  assert.deepEqual(
    waiting.map((stored) => (stored.record.kind === "event" ? stored.record.eventId : 0)),
    [1, 2, 3],
    "in order again",
  );
  await storage.parkOutboxRecord({
    lease: relay.lease,
    sink: SINK,
    position: waiting[1]?.position ?? 0,
    reason: "again",
    nowUs: 1,
  });
  assert.equal(
    await runCliOk(["outbox", "drop", "--sink", SINK, "--all", "--config", configPath]),
    "dropped 1 of 1 parked records\n",
  );
  const left = await storage.readOutbox({ lease: relay.lease, sink: SINK, limit: 10 });
  assert.deepEqual(
    left.map((stored) => (stored.record.kind === "event" ? stored.record.eventId : 0)),
    [1, 3],
  );
});

test("outbox replay writes a machine's committed events into the sink's outbox again", async () => {
  assert.equal(
    await runCliOk([
      "outbox",
      "replay",
      "--sink",
      SINK,
      "orders",
      "o1",
      "--after-event",
      "1",
      "--config",
      configPath,
    ]),
    `replayed 2 events of orders/o1 to ${SINK}; a serving node's relay publishes them\n`,
  );
});

test("an unknown sink, a missing --sink or --position are usage errors", async () => {
  const unknown = await runCli(["outbox", "parked", "--sink", "nope", "--config", configPath]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--sink "nope" is not a configured sink \(orders\/events\)/);
  const noSink = await runCli(["outbox", "drop", "--all", "--config", configPath]);
  assert.equal(noSink.code, 2);
  assert.match(noSink.stderr, /drop needs --sink SINK/);
  const nothing = await runCli(["outbox", "requeue", "--sink", SINK, "--config", configPath]);
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /needs --position N \(repeatable\) or --all/);
});
