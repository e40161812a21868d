/**
 * The Kafka sink in MG's format (machinegun-protocol.md §4): one record per event to the namespace sink's
 * topic, one per lifecycle change to the lifecycle topic, keyed `"<ns> <id>"`, no headers, produced as one
 * batch that every in-sync replica acknowledges. Errors are classified as MG classifies them (kafka-errors.ts).
 */
import assert from "node:assert/strict";
import type { ConnectionOptions } from "node:tls";
import type { SASLOptions } from "kafkajs";
import { coerceError } from "../../core/errors.js";
import { kafkaKey, lifecycleEventValue, sinkEventValue } from "../../mg/kafka/kafka-messages.js";
import { mgPartition } from "../../mg/kafka/phash2.js";
import type { OutboxRecord, Sink } from "../sink.js";
import { SinkRejectedError, SinkUnavailableError } from "../sink.js";
import { classifyKafkaError } from "./kafka-errors.js";
import {
  createKafkajsProducer,
  type KafkaMessage,
  type KafkaProducer,
  type KafkaProducerFactory,
  type KafkaProducerSettings,
  type KafkaTopicMessages,
} from "./kafka-producer.js";

/**
 * How a record's partition is chosen.
 *
 * - `kafka-default` (the default): the client's default partitioner, murmur2 of the key as in the Java client.
 *   Every tool that co-partitions by key (Kafka Streams, ksqlDB, Java and kafkajs producers) agrees with it, and
 *   the client follows partition-count changes from its own metadata.
 * - `mg-phash2`: `erlang:phash2(key) rem partitionCount`, MG's own choice. Use it only while a running MG
 *   writes the same topic (a migration): per-machine order across both engines needs both to map a key to the
 *   same partition. The sink then reads the partition count from metadata, caches it for
 *   PARTITION_COUNT_AGE_MAX_MS, and forgets it after any failed publish.
 */
export type KafkaPartitioner = "mg-phash2" | "kafka-default";

export interface KafkaSinkOptions {
  /** The sink's name in logs and errors, e.g. the namespace sink's key in the configuration. */
  readonly name: string;
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** The topic of the namespace's events. */
  readonly topic: string;
  /** The topic of lifecycle changes (MG's `lifecycle_pulse`); absent: lifecycle records are not published. */
  readonly lifecycleTopic?: string;
  /** Default `kafka-default`; see KafkaPartitioner for when to choose `mg-phash2`. */
  readonly partitioner?: KafkaPartitioner;
  /** TLS options (certificate and key contents, CA bundle) or `true` for TLS with the system's CAs. */
  readonly ssl?: ConnectionOptions | boolean;
  readonly sasl?: SASLOptions;
  /**
   * Default true: the broker drops the copies the client's own retries would add. Set false for brokers older
   * than 0.11, or clusters that refuse `InitProducerId` (IdempotentWrite permission on Kafka before 2.8).
   */
  readonly idempotent?: boolean;
  /** How long the broker may wait for the in-sync replicas, ms (MG: 10 s). */
  readonly ackTimeoutMs?: number;
}

/** MG's `ack_timeout`, ms. */
export const KAFKA_ACK_TIMEOUT_MS_DEFAULT = 10_000;
/**
 * How long a cached partition count is trusted, ms. After partitions are added, nodes that still use the old
 * count send a machine's records elsewhere than nodes with the new one; this bounds that window.
 */
export const PARTITION_COUNT_AGE_MAX_MS = 60_000;

/** One record ready for the client. */
interface OutgoingRecord {
  readonly topic: string;
  readonly message: KafkaMessage;
}

export class KafkaSink implements Sink {
  readonly name: string;
  private readonly options: KafkaSinkOptions;
  private readonly settings: KafkaProducerSettings;
  private readonly producerFactory: KafkaProducerFactory;
  /** The connected producer, created on first use and replaced after any failure. */
  private producer: Promise<KafkaProducer> | undefined;
  private readonly partitionCounts = new Map<
    string,
    { readonly count: number; readonly fetchedAtMs: number }
  >();
  /** Producers being disconnected in the background; close() waits for them. */
  private readonly retiring = new Set<Promise<void>>();
  private publishing = false;
  private closed = false;

  constructor(options: KafkaSinkOptions, producerFactory: KafkaProducerFactory = createKafkajsProducer) {
    assert.ok(options.name.length > 0, "a Kafka sink needs a name");
    assert.ok(options.brokers.length > 0, "a Kafka sink needs at least one broker");
    assert.ok(options.topic.length > 0, "a Kafka sink needs a topic");
    assert.ok(
      options.lifecycleTopic === undefined || options.lifecycleTopic.length > 0,
      "empty lifecycle topic",
    );
    this.name = options.name;
    this.options = options;
    this.producerFactory = producerFactory;
    this.settings = {
      brokers: options.brokers,
      clientId: options.clientId,
      ...(options.ssl !== undefined && { ssl: options.ssl }),
      ...(options.sasl !== undefined && { sasl: options.sasl }),
      idempotent: options.idempotent ?? true,
      ackTimeoutMs: options.ackTimeoutMs ?? KAFKA_ACK_TIMEOUT_MS_DEFAULT,
    };
  }

  /**
   * One produce call for the whole batch. Per-machine order: a machine's records share a key, hence a topic
   * partition, and kafkajs keeps a partition's messages in array order inside one record batch, which the
   * broker appends atomically; with one request in flight per broker, batches cannot overtake each other.
   */
  async publish(records: readonly OutboxRecord[]): Promise<void> {
    assert.ok(!this.closed, `sink ${this.name} is closed`);
    assert.ok(!this.publishing, `sink ${this.name} publishes one batch at a time`);
    this.publishing = true;
    try {
      const outgoing = this.encodeBatch(records);
      if (outgoing.length === 0) return;
      await this.send(outgoing, records);
    } finally {
      this.publishing = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.retireProducer();
    await Promise.all(this.retiring);
  }

  /** Key and value of each record, in batch order; lifecycle records are left out without a lifecycle topic. */
  private encodeBatch(records: readonly OutboxRecord[]): OutgoingRecord[] {
    const outgoing: OutgoingRecord[] = [];
    for (const record of records) {
      const topic = record.kind === "event" ? this.options.topic : this.options.lifecycleTopic;
      if (topic === undefined) continue;
      let value: Uint8Array;
      try {
        value = record.kind === "event" ? sinkEventValue(record) : lifecycleEventValue(record);
      } catch (error) {
        throw new SinkRejectedError(this.name, coerceError(error).message, record, { cause: error });
      }
      const key = kafkaKey(record.namespace, record.machineId);
      outgoing.push({ topic, message: { key: asBuffer(key), value: asBuffer(value) } });
    }
    return outgoing;
  }

  private async send(outgoing: readonly OutgoingRecord[], records: readonly OutboxRecord[]): Promise<void> {
    try {
      const producer = await this.connectedProducer();
      const partitioned = await this.assignPartitions(producer, outgoing);
      await producer.sendBatch({
        acks: -1,
        timeout: this.settings.ackTimeoutMs,
        topicMessages: groupByTopic(partitioned),
      });
    } catch (error) {
      // A fresh producer and fresh metadata for the next attempt: this resets an idempotent producer's
      // sequence numbers and picks up partition-count changes, whatever went wrong.
      this.retireProducer();
      this.partitionCounts.clear();
      throw this.translate(error, records);
    }
  }

  private async assignPartitions(
    producer: KafkaProducer,
    outgoing: readonly OutgoingRecord[],
  ): Promise<readonly OutgoingRecord[]> {
    if ((this.options.partitioner ?? "kafka-default") === "kafka-default") return outgoing;
    const counts = new Map<string, number>();
    for (const { topic } of outgoing) {
      if (!counts.has(topic)) counts.set(topic, await this.partitionCount(producer, topic));
    }
    return outgoing.map(({ topic, message }) => ({
      topic,
      message: { ...message, partition: mgPartition(message.key, counts.get(topic)!) },
    }));
  }

  private async partitionCount(producer: KafkaProducer, topic: string): Promise<number> {
    const cached = this.partitionCounts.get(topic);
    const nowMs = Date.now();
    if (cached !== undefined && nowMs - cached.fetchedAtMs < PARTITION_COUNT_AGE_MAX_MS) return cached.count;
    const count = await producer.fetchPartitionCount(topic);
    assert.ok(Number.isInteger(count) && count > 0, `topic ${topic} has ${count} partitions`);
    this.partitionCounts.set(topic, { count, fetchedAtMs: nowMs });
    return count;
  }

  private connectedProducer(): Promise<KafkaProducer> {
    if (this.producer === undefined) {
      const producer = this.producerFactory(this.settings);
      this.producer = producer.connect().then(() => producer);
      // A failed connect leaves a half-open client; retireProducer disconnects it through this promise.
      this.producer.catch(() => producer.disconnect().catch(() => undefined));
    }
    return this.producer;
  }

  /** Drops the current producer; its disconnect runs in the background and close() waits for it. */
  private retireProducer(): void {
    const producer = this.producer;
    this.producer = undefined;
    if (producer === undefined) return;
    const retiring = producer.then(
      (connected) => connected.disconnect(),
      () => undefined, // the failed connect already disconnected it (connectedProducer)
    );
    const tracked = retiring.catch(() => undefined).finally(() => this.retiring.delete(tracked));
    this.retiring.add(tracked);
  }

  private translate(error: unknown, records: readonly OutboxRecord[]): Error {
    const message = coerceError(error).message;
    if (classifyKafkaError(error) === "unavailable") {
      return new SinkUnavailableError(this.name, message, { cause: error });
    }
    // The broker names a topic partition, not a record; with a single record there is no doubt which it is.
    const record = records.length === 1 ? records[0] : undefined;
    return new SinkRejectedError(this.name, message, record, { cause: error });
  }
}

/** The messages of each topic, topics in order of first appearance, messages in batch order. */
function groupByTopic(outgoing: readonly OutgoingRecord[]): KafkaTopicMessages[] {
  const byTopic = new Map<string, KafkaMessage[]>();
  for (const { topic, message } of outgoing) {
    const messages = byTopic.get(topic);
    if (messages === undefined) byTopic.set(topic, [message]);
    else messages.push(message);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** A Buffer view of the same bytes, without a copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
