/**
 * The narrow Kafka client the sink drives, and its kafkajs implementation: one producer (all-ISR acks,
 * idempotent by default, one request in flight per broker) plus one admin client for topic metadata. Tests
 * pass a recording fake through the same `KafkaProducerFactory` seam.
 */
import type { ConnectionOptions } from "node:tls";
import kafkajs, { type SASLOptions } from "kafkajs";

const { CompressionTypes, Kafka, logLevel, Partitioners } = kafkajs;

/** One record as it is handed to the client: raw key and value bytes, an explicit partition or none. */
export interface KafkaMessage {
  readonly key: Buffer;
  readonly value: Buffer;
  /** Absent: the client's default partitioner (murmur2 of the key, as the Java client) chooses. */
  readonly partition?: number;
}

export interface KafkaTopicMessages {
  readonly topic: string;
  readonly messages: readonly KafkaMessage[];
}

/** One produce call: every message, grouped by topic, each topic's messages in batch order. */
export interface KafkaBatch {
  /** −1: every in-sync replica must acknowledge (MG's `required_acks: all_isr`). */
  readonly acks: -1;
  /** How long the broker may wait for the replicas, ms. */
  readonly timeout: number;
  readonly topicMessages: readonly KafkaTopicMessages[];
}

/** What the sink needs of a Kafka client. Methods throw the client's own errors; the sink classifies them. */
export interface KafkaProducer {
  connect(): Promise<void>;
  /** Resolves when every message is acknowledged with the batch's `acks`. */
  sendBatch(batch: KafkaBatch): Promise<void>;
  /** The topic's partition count from fresh broker metadata. */
  fetchPartitionCount(topic: string): Promise<number>;
  disconnect(): Promise<void>;
}

export interface KafkaProducerSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** TLS options (node:tls) or `true` for TLS with the system's CAs; absent for plain TCP. */
  readonly ssl?: ConnectionOptions | boolean;
  readonly sasl?: SASLOptions;
  /** Idempotent producer: the broker drops the copies the client's own retries would add. */
  readonly idempotent: boolean;
  readonly ackTimeoutMs: number;
}

export type KafkaProducerFactory = (settings: KafkaProducerSettings) => KafkaProducer;

/** Connecting to one broker, ms (kafkajs' default is 1 s, short for a TLS handshake over a WAN). */
const CONNECTION_TIMEOUT_MS = 5_000;
/** Retries of one produce inside the client before the sink reports it (MG's brod `max_retries`: 3). */
const PRODUCE_RETRIES = 3;
/** First pause before such a retry, ms (MG's brod `retry_backoff_ms`: 500); kafkajs doubles it each time. */
const PRODUCE_RETRY_INITIAL_MS = 500;
const PRODUCE_RETRY_MAX_MS = 5_000;
/** The client gives up on a request this long after the broker's own ack timeout, ms. */
const REQUEST_TIMEOUT_MARGIN_MS = 5_000;

/** The default factory: kafkajs. Nothing connects until `connect()`. */
export function createKafkajsProducer(settings: KafkaProducerSettings): KafkaProducer {
  const kafka = new Kafka({
    brokers: [...settings.brokers],
    clientId: settings.clientId,
    ...(settings.ssl !== undefined && { ssl: settings.ssl }),
    ...(settings.sasl !== undefined && { sasl: settings.sasl }),
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    requestTimeout: settings.ackTimeoutMs + REQUEST_TIMEOUT_MARGIN_MS,
    enforceRequestTimeout: true,
    retry: {
      retries: PRODUCE_RETRIES,
      initialRetryTime: PRODUCE_RETRY_INITIAL_MS,
      maxRetryTime: PRODUCE_RETRY_MAX_MS,
    },
    // The sink reports every failure as a typed error to the relay, which logs it; kafkajs' own lines would
    // repeat each one (and warn on every start that an idempotent producer's retries are bounded, as ours are).
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({
    // Explicit, so kafkajs 2 does not warn that its default changed; it is only used when no partition is set.
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: settings.idempotent,
    // One request per broker at a time keeps each partition's batches in order (MG: partition_onwire_limit 1).
    maxInFlightRequests: 1,
    // Partition counts are re-read at least this often, ms (kafkajs' default is 5 min); the same bound as the
    // sink's own cache for `mg-phash2` (PARTITION_COUNT_AGE_MAX_MS in kafka-sink.ts).
    metadataMaxAge: 60_000,
    // A topic missing by mistake must not be created with broker defaults; the produce fails as unavailable.
    allowAutoTopicCreation: false,
  });
  const admin = kafka.admin();
  return {
    async connect() {
      await producer.connect();
      await admin.connect();
    },
    async sendBatch(batch) {
      await producer.sendBatch({
        acks: batch.acks,
        timeout: batch.timeout,
        compression: CompressionTypes.None,
        topicMessages: batch.topicMessages.map(({ topic, messages }) => ({ topic, messages: [...messages] })),
      });
    },
    async fetchPartitionCount(topic) {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const found = metadata.topics.find((entry) => entry.name === topic);
      if (found === undefined || found.partitions.length === 0) {
        throw new kafkajs.KafkaJSTopicMetadataNotLoaded(`no partition metadata for topic ${topic}`, {
          topic,
        });
      }
      return found.partitions.length;
    },
    async disconnect() {
      await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    },
  };
}
