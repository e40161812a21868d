/**
 * The sinks a configuration describes, and the Sink adapters built from them. Each namespace event sink is its
 * own sink named `<namespace>/<sink key>`; `lifecycle_pulse` is one Kafka sink named `lifecycle_pulse` that
 * every namespace's lifecycle changes go to. A sink's name keys its outbox records and its relay's lease, so
 * nodes with the same configuration agree on them, and one of them at a time publishes each sink.
 */
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import type { SASLOptions } from "kafkajs";
import type { RatchetConfig } from "../config/config.js";
import type { ConfigIssue } from "../config/errors.js";
import { ConfigError, formatConfigPath } from "../config/errors.js";
import type { EventSinkConfig } from "../config/event-sinks.js";
import type { KafkaClientConfig, KafkaSaslConfig, KafkaSslConfig } from "../config/kafka.js";
import { kafkaClientSchema } from "../config/kafka.js";
import { KafkaSink } from "../sinks/kafka/kafka-sink.js";
import { NatsSink } from "../sinks/nats/nats-sink.js";
import type { Sink } from "../sinks/sink.js";

/** The name of the sink that publishes `lifecycle_pulse`. It has no `/`, so no namespace sink can take it. */
export const LIFECYCLE_PULSE_SINK = "lifecycle_pulse";

/** One sink as the configuration describes it, before anything is opened or read. */
export interface SinkPlan {
  readonly name: string;
  /** The key that defines it, for messages: `namespaces.invoice.event_sinks.kafka` or `lifecycle_pulse`. */
  readonly path: string;
  /** The namespace whose events it publishes; null for the lifecycle sink. */
  readonly namespace: string | null;
  readonly target: EventSinkConfig;
}

/** Every configured sink, in configuration order. Throws ConfigError if two would share a name. */
export function sinkPlansOf(config: RatchetConfig): SinkPlan[] {
  const plans: SinkPlan[] = [];
  for (const namespace of Object.values(config.namespaces)) {
    for (const [key, target] of Object.entries(namespace.eventSinks)) {
      const path = formatConfigPath(["namespaces", namespace.name, "event_sinks", key]);
      plans.push({ name: `${namespace.name}/${key}`, path, namespace: namespace.name, target });
    }
  }
  const pulse = config.lifecyclePulse;
  if (pulse !== null) {
    const target: EventSinkConfig = {
      type: "kafka",
      client: pulse.client,
      topic: pulse.topic,
      partitioner: "kafka_default",
    };
    plans.push({ name: LIFECYCLE_PULSE_SINK, path: "lifecycle_pulse", namespace: null, target });
  }
  refuseSharedNames(plans);
  return plans;
}

/** `a/b` + `c` and `a` + `b/c` would both be `a/b/c`: refused rather than silently merged. */
function refuseSharedNames(plans: readonly SinkPlan[]): void {
  const byName = new Map<string, SinkPlan>();
  const issues: ConfigIssue[] = [];
  for (const plan of plans) {
    const earlier = byName.get(plan.name);
    if (earlier === undefined) byName.set(plan.name, plan);
    else
      issues.push({
        path: plan.path,
        message: `its sink name ${JSON.stringify(plan.name)} is also the name of ${earlier.path}; rename one`,
      });
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

/** The sink names a namespace's steps write outbox records for. */
export function namespaceSinksOf(
  plans: readonly SinkPlan[],
  namespace: string,
): { eventSinks: string[]; lifecycleSinks: string[] } {
  return {
    eventSinks: plans.filter((plan) => plan.namespace === namespace).map((plan) => plan.name),
    lifecycleSinks: plans.filter((plan) => plan.namespace === null).map((plan) => plan.name),
  };
}

/** Where a sink publishes, for operators: `nats nats://h:4222 stream S subjects ratchet.>`. */
export function describeSinkTarget(target: EventSinkConfig): string {
  if (target.type === "nats")
    return `nats ${target.url} stream ${target.stream} subjects ${target.subjectPrefix}.>`;
  return `kafka client ${target.client} topic ${target.topic}`;
}

/**
 * The Sink adapters. Nothing connects yet (both adapters connect on first publish), but TLS and SASL files are
 * read now, so a missing file is a ConfigError at start rather than a failing relay later.
 */
export function createSinks(config: RatchetConfig, plans: readonly SinkPlan[]): Sink[] {
  const issues: ConfigIssue[] = [];
  const security = new Map<string, KafkaSecurity>();
  for (const plan of plans) {
    const { target } = plan;
    if (target.type !== "kafka" || security.has(target.client)) continue;
    const client = config.kafka[target.client];
    // references.ts refuses a sink naming an undefined client, so this holds for every loaded configuration.
    if (client === undefined) throw new Error(`${plan.path} names undefined Kafka client ${target.client}`);
    security.set(target.client, kafkaSecurityOf(target.client, client, issues));
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return plans.map((plan) => sinkOf(config, plan, security));
}

interface KafkaSecurity {
  readonly ssl?: ConnectionOptions | boolean;
  readonly sasl?: SASLOptions;
}

function sinkOf(config: RatchetConfig, plan: SinkPlan, security: ReadonlyMap<string, KafkaSecurity>): Sink {
  const { target } = plan;
  if (target.type === "nats") {
    return new NatsSink({
      name: plan.name,
      servers: target.url,
      stream: target.stream,
      subjectPrefix: target.subjectPrefix,
    });
  }
  const client = config.kafka[target.client]!;
  return new KafkaSink({
    name: plan.name,
    brokers: client.endpoints.map(({ host, port }) => `${host.includes(":") ? `[${host}]` : host}:${port}`),
    // MG's brod used the client's key as its client id; keeping it keeps broker quotas and ACLs by client id.
    clientId: target.client,
    // The lifecycle sink is named only in namespaces' lifecycleSinks, so no event record reaches it; the event
    // topic is required all the same and is given the lifecycle topic.
    topic: target.topic,
    ...(plan.namespace === null ? { lifecycleTopic: target.topic } : {}),
    ackTimeoutMs: client.producer.ackTimeoutMs,
    partitioner: target.partitioner === "mg_phash2" ? "mg-phash2" : "kafka-default",
    ...security.get(target.client),
  });
}

function kafkaSecurityOf(
  clientName: string,
  client: KafkaClientConfig,
  issues: ConfigIssue[],
): KafkaSecurity {
  const path = ["kafka", clientName];
  const read = (file: string, key: readonly string[]): string => {
    try {
      return readFileSync(file, "utf8");
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      issues.push({ path: formatConfigPath([...path, ...key]), message: `cannot read ${file}: ${reason}` });
      return "";
    }
  };
  const ssl = client.ssl === null ? undefined : tlsOptionsOf(client.ssl, read);
  const sasl = client.sasl === null ? undefined : saslOptionsOf(client.sasl, read, issues, path);
  return { ...(ssl === undefined ? {} : { ssl }), ...(sasl === undefined ? {} : { sasl }) };
}

/** The PEM files' contents in node:tls's shape; an empty `ssl` mapping means TLS with the system's CAs. */
function tlsOptionsOf(
  ssl: KafkaSslConfig,
  read: (file: string, key: readonly string[]) => string,
): ConnectionOptions | true {
  if (ssl.caCertFile === undefined && ssl.certFile === undefined && ssl.keyFile === undefined) return true;
  return {
    ...(ssl.caCertFile === undefined ? {} : { ca: [read(ssl.caCertFile, ["ssl", "cacertfile"])] }),
    ...(ssl.certFile === undefined ? {} : { cert: read(ssl.certFile, ["ssl", "certfile"]) }),
    ...(ssl.keyFile === undefined ? {} : { key: read(ssl.keyFile, ["ssl", "keyfile"]) }),
  };
}

const SASL_MECHANISMS = {
  scram_sha_512: "scram-sha-512",
  scram_sha_256: "scram-sha-256",
  plain: "plain",
} as const;

/** kafkajs's SASL options; a credentials file holds the user name on line 1 and the password on line 2 (MG). */
function saslOptionsOf(
  sasl: KafkaSaslConfig,
  read: (file: string, key: readonly string[]) => string,
  issues: ConfigIssue[],
  path: readonly string[],
): SASLOptions {
  const mechanism = SASL_MECHANISMS[sasl.mechanism];
  if (!("file" in sasl)) return { mechanism, username: sasl.username, password: sasl.password };
  const text = read(sasl.file, ["sasl", "file"]);
  const [username = "", password] = text.split(/\r?\n/);
  if (text !== "" && (username === "" || password === undefined)) {
    issues.push({
      path: formatConfigPath([...path, "sasl", "file"]),
      message: `${sasl.file} must hold the user name on its first line and the password on its second`,
    });
  }
  return { mechanism, username, password: password ?? "" };
}

/**
 * Producer settings of the Kafka clients in use that differ from MG's defaults and that the Kafka sink does
 * not apply: it sends each relay batch as one idempotent produce acknowledged by all in-sync replicas,
 * uncompressed, with its own retry bounds; only `ack_timeout` is taken from the configuration.
 */
export function unappliedKafkaSettings(config: RatchetConfig, plans: readonly SinkPlan[]): string[] {
  // MG's defaults exactly as the schema fills them, so this list cannot drift from kafka.ts.
  const defaults = kafkaClientSchema().parse({ endpoints: [{ host: "default", port: 9092 }] }).producer;
  const clients = new Set(
    plans.flatMap((plan) => (plan.target.type === "kafka" ? [plan.target.client] : [])),
  );
  const lines: string[] = [];
  for (const clientName of clients) {
    const producer = config.kafka[clientName]?.producer;
    if (producer === undefined) continue;
    for (const [key, value] of Object.entries(producer)) {
      if (key === "ackTimeoutMs" || value === defaults[key as keyof typeof defaults]) continue;
      lines.push(
        `kafka.${clientName}.producer.${snakeCase(key)} is not applied: the Kafka sink sends each relay batch as one all-replica, uncompressed produce`,
      );
    }
  }
  return lines;
}

/** A producer setting's name as the file spells it: `maxBatchSizeBytes` → `max_batch_size`. */
function snakeCase(key: string): string {
  const renamed: Record<string, string> = {
    ackTimeoutMs: "ack_timeout",
    maxLingerMs: "max_linger",
    maxBatchSizeBytes: "max_batch_size",
    retryBackoffMs: "retry_backoff",
  };
  return renamed[key] ?? key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
