/**
 * Proves KafkaSink hands the Kafka client exactly MG's records and classifies failures as MG does, without a
 * broker: a recording fake producer (the `producerFactory` seam) captures every topic, partition, key, value and
 * header, and throws kafkajs' own error classes on demand.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import kafkajs from "kafkajs";
import { kafkaKey, lifecycleEventValue, sinkEventValue } from "../../src/mg/kafka/kafka-messages.js";
import { encodeValue } from "../../src/mg/msgpack/msgpack-value.js";
import type {
  KafkaBatch,
  KafkaProducer,
  KafkaProducerSettings,
} from "../../src/sinks/kafka/kafka-producer.js";
import { KafkaSink, type KafkaSinkOptions } from "../../src/sinks/kafka/kafka-sink.js";
import type { EventRecord, LifecycleRecord, OutboxRecord } from "../../src/sinks/sink.js";
import { SinkRejectedError, SinkUnavailableError } from "../../src/sinks/sink.js";
import { hexOf } from "../mg/thrift/hex.js";

const { KafkaJSConnectionError, KafkaJSError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } =
  kafkajs;
const { KafkaJSProtocolError, KafkaJSRequestTimeoutError } = kafkajs;

class FakeKafkaProducer implements KafkaProducer {
  readonly batches: KafkaBatch[] = [];
  readonly metadataRequests: string[] = [];
  connected = false;
  disconnects = 0;
  constructor(
    readonly settings: KafkaProducerSettings,
    private readonly script: FakeScript,
  ) {}
  async connect(): Promise<void> {
    const failure = this.script.connectErrors.shift();
    if (failure !== undefined) throw failure;
    this.connected = true;
  }
  async sendBatch(batch: KafkaBatch): Promise<void> {
    assert.ok(this.connected, "sendBatch on a connected producer");
    this.batches.push(batch);
    const failure = this.script.sendErrors.shift();
    if (failure !== undefined) throw failure;
  }
  async fetchPartitionCount(topic: string): Promise<number> {
    this.metadataRequests.push(topic);
    return this.script.partitionCounts[topic] ?? 1;
  }
  async disconnect(): Promise<void> {
    this.connected = false;
    this.disconnects += 1;
  }
}

interface FakeScript {
  readonly connectErrors: unknown[];
  readonly sendErrors: unknown[];
  readonly partitionCounts: Record<string, number>;
}

function fakeKafka(options: Partial<KafkaSinkOptions> = {}, script: Partial<FakeScript> = {}) {
  const fullScript: FakeScript = {
    connectErrors: script.connectErrors ?? [],
    sendErrors: script.sendErrors ?? [],
    partitionCounts: script.partitionCounts ?? { events: 12, lifecycle: 3 },
  };
  const producers: FakeKafkaProducer[] = [];
  const sink = new KafkaSink(
    { name: "payments", brokers: ["kafka:9092"], clientId: "ratchet", topic: "events", ...options },
    (settings) => {
      const producer = new FakeKafkaProducer(settings, fullScript);
      producers.push(producer);
      return producer;
    },
  );
  const sent = () => producers.flatMap((producer) => producer.batches);
  return { sink, producers, script: fullScript, sent };
}

function event(machineId: string, eventId: number, namespace = "ns"): EventRecord {
  return {
    kind: "event",
    namespace,
    machineId,
    eventId,
    createdAtUs: Date.UTC(2024, 0, 1) * 1000 + eventId,
    data: encodeValue({ i: BigInt(eventId) }),
  };
}

function created(machineId: string, sequence: number): LifecycleRecord {
  return {
    kind: "lifecycle",
    namespace: "ns",
    machineId,
    createdAtUs: Date.UTC(2024, 0, 1) * 1000,
    change: { kind: "created" },
    sequence,
  };
}

/** A kafkajs protocol error as the client raises it for a broker error code. */
function protocolError(type: string, code: number, retriable: boolean) {
  return new KafkaJSProtocolError(Object.assign(new Error(`broker said ${type}`), { type, code, retriable }));
}

test("events and lifecycle records go to their topics with MG's key, value, phash2 partition and no headers (fake Kafka producer; no broker on this machine)", async () => {
  const { sink, producers, sent } = fakeKafka({ partitioner: "mg-phash2", lifecycleTopic: "lifecycle" });
  const batch: OutboxRecord[] = [
    event("m1", 1),
    event("m2", 1),
    created("m1", 4),
    event("m1", 2),
    event("m3", 1),
  ];
  await sink.publish(batch);

  assert.equal(producers.length, 1);
  assert.deepEqual(producers[0]!.settings, {
    brokers: ["kafka:9092"],
    clientId: "ratchet",
    idempotent: true,
    ackTimeoutMs: 10_000,
  });
  assert.equal(sent().length, 1, "one produce call for the batch");
  const [produced] = sent();
  assert.equal(produced!.acks, -1);
  assert.equal(produced!.timeout, 10_000);
  // erlang:phash2(<<"ns m1">>) = 82359966, <<"ns m2">> = 28013350, <<"ns m3">> = 72051835 (computed with erl).
  const expected = [
    { topic: "events", records: [batch[0]!, batch[1]!, batch[3]!, batch[4]!], partitions: [6, 10, 6, 7] },
    { topic: "lifecycle", records: [batch[2]!], partitions: [0] },
  ];
  assert.deepEqual(
    produced!.topicMessages.map(({ topic }) => topic),
    expected.map(({ topic }) => topic),
  );
  expected.forEach(({ topic, records, partitions }, topicIndex) => {
    const messages = produced!.topicMessages[topicIndex]!.messages;
    assert.equal(messages.length, records.length, `${topic}: one message per record`);
    messages.forEach((message, index) => {
      const record = records[index]!;
      assert.deepEqual(
        Object.keys(message).sort(),
        ["key", "partition", "value"],
        "no headers, no timestamp",
      );
      assert.equal(message.partition, partitions[index]);
      assert.equal(hexOf(message.key), hexOf(kafkaKey("ns", record.machineId)));
      const value = record.kind === "event" ? sinkEventValue(record) : lifecycleEventValue(record);
      assert.equal(hexOf(message.value), hexOf(value));
    });
  });
  assert.deepEqual(producers[0]!.metadataRequests, ["events", "lifecycle"]);
  await sink.close();
  assert.equal(producers[0]!.disconnects, 1);
});

test("kafka-default leaves the partition to the client's default partitioner and reads no metadata (fake Kafka producer; no broker on this machine)", async () => {
  const { sink, producers, sent } = fakeKafka();
  await sink.publish([event("m1", 1), event("m2", 1)]);
  const messages = sent()[0]!.topicMessages[0]!.messages;
  assert.deepEqual(
    messages.map((message) => Object.keys(message).sort()),
    [
      ["key", "value"],
      ["key", "value"],
    ],
  );
  assert.equal(hexOf(messages[1]!.key), "6e 73 20 6d 32");
  assert.deepEqual(producers[0]!.metadataRequests, []);
  await sink.close();
});

test("lifecycle records are left out without a lifecycle topic; a batch of only those sends nothing (fake Kafka producer; no broker on this machine)", async () => {
  const { sink, producers, sent } = fakeKafka();
  await sink.publish([created("m1", 1)]);
  assert.equal(producers.length, 0, "nothing to send, so no connection either");
  await sink.publish([created("m1", 2), event("m1", 1)]);
  assert.equal(sent().length, 1);
  assert.deepEqual(
    sent()[0]!.topicMessages.map(({ topic, messages }) => [topic, messages.length]),
    [["events", 1]],
  );
  await sink.close();
});

test("partition counts are read once, kept, and read again with a fresh producer after a failure (fake Kafka producer; no broker on this machine)", async () => {
  const { sink, producers, script, sent } = fakeKafka({ partitioner: "mg-phash2" });
  await sink.publish([event("m1", 1)]);
  await sink.publish([event("m1", 2)]);
  assert.deepEqual(producers[0]!.metadataRequests, ["events"]);

  script.sendErrors.push(protocolError("NOT_LEADER_FOR_PARTITION", 6, true));
  await assert.rejects(sink.publish([event("m1", 3)]), SinkUnavailableError);
  script.partitionCounts.events = 5;
  await sink.publish([event("m1", 3)]);
  assert.equal(producers.length, 2, "the failed producer was replaced");
  assert.equal(producers[0]!.disconnects, 1);
  assert.deepEqual(producers[1]!.metadataRequests, ["events"]);
  assert.equal(sent().at(-1)!.topicMessages[0]!.messages[0]!.partition, 82_359_966 % 5);
  await sink.close();
});

test("connection errors, timeouts and retriable or MG-retried broker errors are SinkUnavailableError (fake Kafka producer; no broker on this machine)", async () => {
  const leaderMissing = protocolError("LEADER_NOT_AVAILABLE", 5, true);
  const unavailable: [string, unknown][] = [
    [
      "connection refused",
      new KafkaJSConnectionError("Connection error: connect ECONNREFUSED 127.0.0.1:9092"),
    ],
    ["request timeout", new KafkaJSRequestTimeoutError("Request Produce(key: 0, version: 7) timed out")],
    [
      "retries used up",
      new KafkaJSNumberOfRetriesExceeded(leaderMissing, { retryCount: 3, retryTime: 4_000 }),
    ],
    ["message too large (MG: misconfiguration, retried)", protocolError("MESSAGE_TOO_LARGE", 10, false)],
    ["topic authorization (MG: misconfiguration)", protocolError("TOPIC_AUTHORIZATION_FAILED", 29, false)],
    ["unknown topic", protocolError("UNKNOWN_TOPIC_OR_PARTITION", 3, true)],
    ["idempotent producer state", protocolError("OUT_OF_ORDER_SEQUENCE_NUMBER", 45, false)],
    ["retriable code MG does not list", protocolError("KAFKA_STORAGE_ERROR", 56, true)],
    ["producer disconnected", new KafkaJSError("The producer is disconnected")],
    ["socket error", Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })],
  ];
  const { sink, script } = fakeKafka();
  for (const [label, error] of unavailable) {
    script.sendErrors.push(error);
    await assert.rejects(sink.publish([event("m1", 1)]), (thrown: unknown) => {
      assert.ok(thrown instanceof SinkUnavailableError, `${label}: ${String(thrown)}`);
      assert.equal(thrown.code, "sink_unavailable");
      assert.equal(thrown.transient, true);
      assert.equal(thrown.cause, error);
      return true;
    });
  }
  await sink.publish([event("m1", 1)]);
  await sink.close();
});

test("INVALID_TOPIC_EXCEPTION, INVALID_TIMESTAMP, UNKNOWN and unrecognised errors are SinkRejectedError (fake Kafka producer; no broker on this machine)", async () => {
  const rejected: [string, unknown][] = [
    ["invalid topic", protocolError("INVALID_TOPIC_EXCEPTION", 17, false)],
    ["invalid timestamp", protocolError("INVALID_TIMESTAMP", 32, false)],
    ["unknown server error", protocolError("UNKNOWN", -1, false)],
    ["illegal SASL state", protocolError("ILLEGAL_SASL_STATE", 34, false)],
    ["non-retriable code MG does not list", protocolError("POLICY_VIOLATION", 44, false)],
    ["non-retriable client error", new KafkaJSNonRetriableError("Invalid topic")],
    ["anything else", new Error("boom")],
  ];
  const { sink, script } = fakeKafka();
  for (const [label, error] of rejected) {
    script.sendErrors.push(error);
    const single = event("m1", 1);
    await assert.rejects(sink.publish([single]), (thrown: unknown) => {
      assert.ok(thrown instanceof SinkRejectedError, `${label}: ${String(thrown)}`);
      assert.equal(thrown.code, "sink_rejected");
      assert.equal(thrown.transient, false);
      assert.equal(thrown.record, single, "a single record is named");
      return true;
    });
  }
  script.sendErrors.push(protocolError("INVALID_TOPIC_EXCEPTION", 17, false));
  await assert.rejects(sink.publish([event("m1", 1), event("m2", 1)]), (thrown: unknown) => {
    assert.ok(thrown instanceof SinkRejectedError);
    assert.equal(thrown.record, undefined, "the broker names a partition, not one of several records");
    return true;
  });
  await sink.close();
});

test("a record whose payload is not one Value is rejected, naming it, before anything is sent (fake Kafka producer; no broker on this machine)", async () => {
  const { sink, producers } = fakeKafka();
  const broken: EventRecord = { ...event("m2", 1), data: Uint8Array.of(0xff) };
  await assert.rejects(sink.publish([event("m1", 1), broken]), (thrown: unknown) => {
    assert.ok(thrown instanceof SinkRejectedError);
    assert.equal(thrown.record, broken);
    return true;
  });
  assert.equal(producers.length, 0);
  await sink.close();
});

test("a failed connect is SinkUnavailableError and the next publish connects a new producer (fake Kafka producer; no broker on this machine)", async () => {
  const refused = new KafkaJSConnectionError("Connection error: connect ECONNREFUSED 127.0.0.1:9092");
  const { sink, producers, sent } = fakeKafka({}, { connectErrors: [refused] });
  await assert.rejects(sink.publish([event("m1", 1)]), SinkUnavailableError);
  await sink.publish([event("m1", 1)]);
  assert.equal(producers.length, 2);
  assert.equal(producers[0]!.disconnects, 1, "the half-open client was disconnected");
  assert.equal(sent().length, 1);
  await sink.close();
});

test("options reach the client: idempotence off, own ack timeout, TLS and SASL (fake Kafka producer; no broker on this machine)", async () => {
  const sasl = { mechanism: "plain", username: "user", password: "secret" } as const;
  const { sink, producers, sent } = fakeKafka({ idempotent: false, ackTimeoutMs: 2_500, ssl: true, sasl });
  await sink.publish([event("m1", 1)]);
  assert.deepEqual(producers[0]!.settings, {
    brokers: ["kafka:9092"],
    clientId: "ratchet",
    ssl: true,
    sasl,
    idempotent: false,
    ackTimeoutMs: 2_500,
  });
  assert.equal(sent()[0]!.timeout, 2_500);
  await sink.close();
});
