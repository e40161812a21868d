/**
 * A record its sink rejects for good does not block the sink. A node publishes to the real NATS server; one
 * machine's processor writes an event whose bytes are not one msgpack Value, which MG's event format cannot carry,
 * so the NATS sink rejects that record for good. The relay parks it with the reason: every other machine's records
 * keep flowing, the machine's later records wait (its order survives), `/metrics` counts the parked record, and once
 * an operator drops it the waiting records are published in order. An operator can also replay a machine's events
 * from its history to the sink, for a consumer that lost them.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { localProcessor } from "../../src/processors/local-processor.js";
import { pack, unpack } from "../../src/processors/payload.js";
import { createNode } from "../../src/runtime/create-node.js";
import { createNodeMetrics } from "../../src/runtime/metrics.js";
import { NatsSink } from "../../src/sinks/nats/nats-sink.js";
import { NATS_URL, StreamReader } from "../support/nats-stream.js";
import { waitFor } from "../support/wait.js";

/** Each call appends one event: its number, or, for "garbage", bytes that are no msgpack Value. */
const processor = localProcessor({
  init: () => ({ auxState: { data: pack(0) } }),
  call: ({ args, machine }) => {
    const n = (unpack(machine.auxState.data) as number) + 1;
    const data = unpack(args) === "garbage" ? new Uint8Array([0xff, 0xfe]) : pack({ n });
    return { events: [{ data }], auxState: { data: pack(n) }, response: pack(n) };
  },
});

test("a rejected record is parked; its machine's later records wait, the others flow; dropping it lets them go", async () => {
  const stream = `parking_${randomBytes(4).toString("hex")}`;
  const sink = new NatsSink({
    name: "nats",
    servers: NATS_URL,
    stream,
    subjectPrefix: stream,
    ackTimeoutMs: 2000,
  });
  const node = await createNode({
    storage: { kind: "sqlite", path: ":memory:" },
    namespaces: () => [{ name: "pay", processor, eventSinks: ["nats"] }],
    sinks: [sink],
  });
  const reader = await StreamReader.open();
  const events = async (machineId: string) =>
    (await reader.messages(stream).catch(() => []))
      .filter((message) => message.machineId === machineId)
      .map((m) => m.eventId);
  try {
    for (const id of ["bad", "good"]) await node.engine.start("pay", id, pack(null));
    for (const args of ["one", "garbage", "three", "four"]) await node.engine.call("pay", "bad", pack(args));
    for (let call = 0; call < 3; call += 1) await node.engine.call("pay", "good", pack("next"));
    await waitFor("the good machine's events on the stream", async () => (await events("good")).length === 3);
    await waitFor(
      "the rejected record to be parked",
      async () => (await node.storage.outboxBacklog("nats")).parked === 1,
    );
    const [parked] = await node.storage.listParked({ sink: "nats", limit: 10 });
    assert.ok(parked?.record.kind === "event");
    assert.deepEqual([parked.record.machineId, parked.record.eventId], ["bad", 2]);
    assert.match(parked.reason, /rejected event 2 of machine "bad"/);
    assert.deepEqual(await events("bad"), [1], "bad's records after the parked one wait");
    assert.equal((await node.storage.outboxBacklog("nats")).records, 2, "they are held back in the outbox");
    const metrics = await createNodeMetrics(node).metrics();
    assert.match(metrics, /^ratchet_outbox_parked_records\{sink="nats"\} 1$/m);
    assert.equal(await node.storage.dropParked({ sink: "nats", positions: [parked.position] }), 1);
    node.relays[0]?.wake();
    await waitFor(
      "bad's waiting records on the stream, in order",
      async () => (await events("bad")).length === 3,
    );
    assert.deepEqual(await events("bad"), [1, 3, 4]);
    assert.deepEqual(await events("good"), [1, 2, 3]);
    // A consumer lost "good": its events are written to the sink again from history, in order.
    assert.equal(await node.storage.replayEvents({ sink: "nats", namespace: "pay", machineId: "good" }), 3);
    node.relays[0]?.wake();
    await waitFor(
      "the replay to drain",
      async () => (await node.storage.outboxBacklog("nats")).records === 0,
    );
  } finally {
    await node.close();
    await reader.deleteStream(stream);
    await reader.close();
  }
});
