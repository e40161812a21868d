/**
 * `kafka.<client>`: brokers, TLS, SASL and producer settings in MG's shape (which configures brod), with MG's
 * defaults. The Kafka sink adapter maps these onto its own client library.
 */
import { z } from "zod";
import { durationMs, integer, oneOf, sizeBytes, text } from "./values.js";

export interface KafkaEndpoint {
  /** Broker host name or address. */
  readonly host: string;
  /** Broker port. */
  readonly port: number;
}

export interface KafkaSslConfig {
  /** Client certificate file (PEM), for mutual TLS. */
  readonly certFile?: string;
  /** Client private key file (PEM). */
  readonly keyFile?: string;
  /** CA bundle that signs the brokers' certificates; the system store when absent. */
  readonly caCertFile?: string;
}

export type KafkaSaslMechanism = "scram_sha_512" | "scram_sha_256" | "plain";

export type KafkaSaslConfig =
  /** Credentials read from a file: the user name on the first line, the password on the second. */
  | { readonly mechanism: KafkaSaslMechanism; readonly file: string }
  /** Credentials given inline (use `${ENV}` to keep them out of the file). */
  | { readonly mechanism: KafkaSaslMechanism; readonly username: string; readonly password: string };

export interface KafkaProducerConfig {
  /** Compression of record batches (MG: no_compression). */
  readonly compression: "no_compression" | "gzip" | "snappy";
  /** Batches per partition sent before an acknowledgement arrives (MG: 1, which keeps order per machine). */
  readonly partitionOnwireLimit: number;
  /** How long a broker may wait for the required acknowledgements, ms (MG: 10 s). */
  readonly ackTimeoutMs: number;
  /** Acknowledgements a produce waits for (MG: all_isr). */
  readonly requiredAcks: "none" | "leader_only" | "all_isr";
  /** Requests buffered per partition before callers wait (MG: 256). */
  readonly partitionBufferLimit: number;
  /** How long a record may wait to join a batch, ms (MG: 0). */
  readonly maxLingerMs: number;
  /** Records that may wait to join a batch (MG: 0). */
  readonly maxLingerCount: number;
  /** Bytes in one batch (MG: 1M). */
  readonly maxBatchSizeBytes: number;
  /** Retries of a failed produce before it fails; −1 retries forever (MG: 3). */
  readonly maxRetries: number;
  /** Pause before a produce is retried, ms (MG: 500 ms). */
  readonly retryBackoffMs: number;
}

export interface KafkaClientConfig {
  /** Bootstrap brokers; at least one. */
  readonly endpoints: readonly KafkaEndpoint[];
  /** TLS settings; null for plain TCP. */
  readonly ssl: KafkaSslConfig | null;
  /** SASL authentication; null for none. */
  readonly sasl: KafkaSaslConfig | null;
  /** Producer settings, defaults filled. */
  readonly producer: KafkaProducerConfig;
}

const SSL = z
  .strictObject({ certfile: text().optional(), keyfile: text().optional(), cacertfile: text().optional() })
  .transform(
    (ssl): KafkaSslConfig => ({
      ...(ssl.certfile === undefined ? {} : { certFile: ssl.certfile }),
      ...(ssl.keyfile === undefined ? {} : { keyFile: ssl.keyfile }),
      ...(ssl.cacertfile === undefined ? {} : { caCertFile: ssl.cacertfile }),
    }),
  );

const SASL = z
  .strictObject({
    mechanism: oneOf(["scram_sha_512", "scram_sha_256", "plain"]).prefault("scram_sha_512"),
    file: text().optional(),
    username: text().optional(),
    password: z.string().optional(),
  })
  .transform((sasl, context): KafkaSaslConfig => {
    // As in MG, a file wins over inline credentials; without a file both inline fields are needed.
    if (sasl.file !== undefined) return { mechanism: sasl.mechanism, file: sasl.file };
    for (const key of ["username", "password"] as const) {
      if (sasl[key] === undefined) {
        context.addIssue({ code: "custom", path: [key], message: "is required when no file is given" });
      }
    }
    return { mechanism: sasl.mechanism, username: sasl.username ?? "", password: sasl.password ?? "" };
  });

const PRODUCER = z
  .strictObject({
    compression: oneOf(["no_compression", "gzip", "snappy"]).prefault("no_compression"),
    partition_onwire_limit: integer({ min: 1 }).prefault(1),
    ack_timeout: durationMs().prefault("10s"),
    required_acks: oneOf(["none", "leader_only", "all_isr"]).prefault("all_isr"),
    partition_buffer_limit: integer({ min: 1 }).prefault(256),
    max_linger: durationMs().prefault("0ms"),
    max_linger_count: integer({ min: 0 }).prefault(0),
    max_batch_size: sizeBytes().prefault("1M"),
    max_retries: integer({ min: -1 }).prefault(3),
    retry_backoff: durationMs().prefault("500ms"),
  })
  .prefault({})
  .transform(
    (producer): KafkaProducerConfig => ({
      compression: producer.compression,
      partitionOnwireLimit: producer.partition_onwire_limit,
      ackTimeoutMs: producer.ack_timeout,
      requiredAcks: producer.required_acks,
      partitionBufferLimit: producer.partition_buffer_limit,
      maxLingerMs: producer.max_linger,
      maxLingerCount: producer.max_linger_count,
      maxBatchSizeBytes: producer.max_batch_size,
      maxRetries: producer.max_retries,
      retryBackoffMs: producer.retry_backoff,
    }),
  );

export function kafkaClientSchema() {
  return z
    .strictObject({
      endpoints: z.array(z.strictObject({ host: text(), port: integer({ min: 1, max: 65_535 }) })).min(1),
      ssl: SSL.optional(),
      sasl: SASL.optional(),
      producer: PRODUCER,
    })
    .transform(
      (client): KafkaClientConfig => ({
        endpoints: client.endpoints,
        ssl: client.ssl ?? null,
        sasl: client.sasl ?? null,
        producer: client.producer,
      }),
    );
}
