/**
 * Proves KafkaSink works against the real kafkajs client: with no broker (a closed port) a publish is
 * SinkUnavailableError; with a broker named by KAFKA_BROKERS (host:port, comma-separated) events and lifecycle
 * records are produced to fresh topics and consumed back with MG's keys, values, phash2 partitions and no
 * headers, and the topics are deleted afterwards. Without KAFKA_BROKERS the round trip is skipped, visibly.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { test } from "node:test";
import kafkajs from "kafkajs";
import { kafkaKey, lifecycleEventValue, sinkEventValue } from "../../src/mg/kafka/kafka-messages.js";
import { mgPartition } from "../../src/mg/kafka/phash2.js";
import { encodeValue } from "../../src/mg/msgpack/msgpack-value.js";
import { KafkaSink } from "../../src/sinks/kafka/kafka-sink.js";
import type { OutboxRecord } from "../../src/sinks/sink.js";
import { SinkUnavailableError } from "../../src/sinks/sink.js";
import { hexOf } from "../mg/thrift/hex.js";
import { waitFor } from "../support/wait.js";

const BROKERS = process.env.KAFKA_BROKERS?.split(",").filter((broker) => broker.length > 0) ?? [];
const PARTITION_COUNT = 3;

function records(): OutboxRecord[] {
  const createdAtUs = Date.UTC(2024, 0, 1) * 1000;
  const event = (machineId: string, eventId: number): OutboxRecord => ({
    kind: "event",
    namespace: "ns",
    machineId,
    eventId,
    createdAtUs: createdAtUs + eventId,
    data: encodeValue({ str: `${machineId}#${eventId}` }),
  });
  return [
    {
      kind: "lifecycle",
      namespace: "ns",
      machineId: "m1",
      createdAtUs,
      change: { kind: "created" },
      sequence: 1,
    },
    event("m1", 1),
    event("m2", 1),
    event("m1", 2),
    event("m3", 1),
    event("m1", 3),
    {
      kind: "lifecycle",
      namespace: "ns",
      machineId: "m2",
      createdAtUs,
      change: { kind: "removed" },
      sequence: 2,
    },
  ];
}

/** A port that was just free: listen on port 0, note it, close. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

test("with no broker listening, publish is SinkUnavailableError from the real kafkajs client", async () => {
  const port = await closedPort();
  const sink = new KafkaSink({
    name: "closed",
    brokers: [`127.0.0.1:${port}`],
    clientId: "ratchet-test",
    topic: "t",
  });
  try {
    await assert.rejects(sink.publish(records()), SinkUnavailableError);
  } finally {
    await sink.close();
  }
});

test("events and lifecycle records round-trip through a real broker with MG's bytes and partitions", async (t) => {
  if (BROKERS.length === 0) {
    t.skip("KAFKA_BROKERS is not set: no Kafka broker on this machine");
    return;
  }
  const suffix = randomUUID();
  const topics = { events: `ratchet-test-events-${suffix}`, lifecycle: `ratchet-test-lifecycle-${suffix}` };
  const kafka = new kafkajs.Kafka({
    brokers: BROKERS,
    clientId: "ratchet-test",
    logLevel: kafkajs.logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const consumer = kafka.consumer({ groupId: `ratchet-test-${suffix}` });
  const sink = new KafkaSink({
    name: "round-trip",
    brokers: BROKERS,
    clientId: "ratchet-test",
    topic: topics.events,
    lifecycleTopic: topics.lifecycle,
    partitioner: "mg-phash2",
  });
  try {
    await admin.createTopics({
      topics: Object.values(topics).map((topic) => ({ topic, numPartitions: PARTITION_COUNT })),
      waitForLeaders: true,
    });
    const batch = records();
    await sink.publish(batch);

    const received: { topic: string; partition: number; message: kafkajs.KafkaMessage }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: Object.values(topics), fromBeginning: true });
    await consumer.run({ eachMessage: async (payload) => void received.push(payload) });
    await waitFor("every record consumed", () => received.length >= batch.length, { timeoutMs: 30_000 });
    assert.equal(received.length, batch.length);

    for (const record of batch) {
      const topic = record.kind === "event" ? topics.events : topics.lifecycle;
      const key = kafkaKey(record.namespace, record.machineId);
      const value = record.kind === "event" ? sinkEventValue(record) : lifecycleEventValue(record);
      const match = received.filter(
        (entry) => entry.topic === topic && hexOf(entry.message.value!) === hexOf(value),
      );
      assert.equal(match.length, 1, `one copy of ${record.kind} of ${record.machineId}`);
      assert.equal(hexOf(match[0]!.message.key!), hexOf(key));
      assert.equal(match[0]!.partition, mgPartition(key, PARTITION_COUNT));
      assert.deepEqual(match[0]!.message.headers, {});
    }
    const m1Values = received
      .filter(
        (entry) => entry.topic === topics.events && hexOf(entry.message.key!) === hexOf(kafkaKey("ns", "m1")),
      )
      .map((entry) => hexOf(entry.message.value!));
    const m1Expected = batch.filter((record) => record.kind === "event" && record.machineId === "m1");
    assert.deepEqual(
      m1Values,
      m1Expected.map((record) => hexOf(record.kind === "event" ? sinkEventValue(record) : new Uint8Array())),
      "m1's events are consumed in the order they were published",
    );
  } finally {
    await sink.close();
    await consumer.disconnect();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
  }
});
