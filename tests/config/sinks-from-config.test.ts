/**
 * Proves how configured sinks become Sink adapters, in process and without a broker: each namespace event sink
 * is one sink named `<ns>/<key>` and `lifecycle_pulse` one Kafka sink every namespace names for lifecycle
 * records; Kafka TLS and SASL files are read into kafkajs's shapes (a missing or malformed file is a ConfigError
 * naming its key); two sinks that would share a name are refused; settings the sinks do not apply are listed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ConfigError, parseConfig } from "../../src/config/config.js";
import { nodeOptionsFromConfig, unappliedSettings } from "../../src/runtime/node-from-config.js";
import {
  createSinks,
  LIFECYCLE_PULSE_SINK,
  namespaceSinksOf,
  sinkPlansOf,
} from "../../src/runtime/sinks-from-config.js";
import type { KafkaProducerSettings } from "../../src/sinks/kafka/kafka-producer.js";
import type { KafkaSinkOptions } from "../../src/sinks/kafka/kafka-sink.js";
import { KafkaSink } from "../../src/sinks/kafka/kafka-sink.js";
import { NatsSink } from "../../src/sinks/nats/nats-sink.js";

let directory: string;

before(() => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-sinks-config-"));
  writeFileSync(join(directory, "ca.pem"), "CA PEM");
  writeFileSync(join(directory, "cert.pem"), "CERT PEM");
  writeFileSync(join(directory, "key.pem"), "KEY PEM");
  writeFileSync(join(directory, "sasl.txt"), "ratchet\ns3cret\n");
  writeFileSync(join(directory, "one-line.txt"), "ratchet");
});

after(() => rmSync(directory, { recursive: true, force: true }));

function configWith(kafkaClient: string, extra = ""): ReturnType<typeof parseConfig> {
  return parseConfig(
    `
kafka:
  main:
${kafkaClient}
lifecycle_pulse: {client: main, topic: machine_lifecycle}
${extra}
namespaces:
  invoice:
    processor: {url: 'http://127.0.0.1:1/p'}
    event_sinks:
      kafka: {type: kafka, client: main, topic: mg-events-invoice, partitioner: mg_phash2}
      nats: {type: nats, stream: EVENTS}
  party:
    processor: {url: 'http://127.0.0.1:1/p'}
`,
    {},
  );
}

const PLAIN_CLIENT = "    endpoints: [{host: kafka1, port: 9092}, {host: '::1', port: 9093}]";

/** What the Kafka sink hands kafkajs, and its own options (private to the sink; read here to check them). */
function kafkaInternals(sink: unknown): { settings: KafkaProducerSettings; options: KafkaSinkOptions } {
  assert.ok(sink instanceof KafkaSink);
  return sink as unknown as { settings: KafkaProducerSettings; options: KafkaSinkOptions };
}

test("one sink per namespace event sink, named <ns>/<key>, and lifecycle_pulse for every namespace", async () => {
  const config = configWith(PLAIN_CLIENT);
  const plans = sinkPlansOf(config);
  assert.deepEqual(
    plans.map((plan) => [plan.name, plan.path, plan.namespace]),
    [
      ["invoice/kafka", "namespaces.invoice.event_sinks.kafka", "invoice"],
      ["invoice/nats", "namespaces.invoice.event_sinks.nats", "invoice"],
      [LIFECYCLE_PULSE_SINK, "lifecycle_pulse", null],
    ],
  );
  assert.deepEqual(namespaceSinksOf(plans, "invoice"), {
    eventSinks: ["invoice/kafka", "invoice/nats"],
    lifecycleSinks: [LIFECYCLE_PULSE_SINK],
  });
  assert.deepEqual(namespaceSinksOf(plans, "party"), {
    eventSinks: [],
    lifecycleSinks: [LIFECYCLE_PULSE_SINK],
  });

  const sinks = createSinks(config, plans);
  try {
    const events = kafkaInternals(sinks[0]);
    assert.deepEqual(events.settings.brokers, ["kafka1:9092", "[::1]:9093"]);
    assert.equal(events.settings.clientId, "main");
    assert.equal(events.settings.ackTimeoutMs, 10_000);
    assert.equal(events.settings.ssl, undefined);
    assert.equal(events.options.topic, "mg-events-invoice");
    assert.equal(events.options.lifecycleTopic, undefined, "an event sink publishes no lifecycle records");
    assert.equal(events.options.partitioner, "mg-phash2", "MG's partitioning, chosen in the configuration");
    assert.equal(
      kafkaInternals(sinks[2]).options.partitioner,
      "kafka-default",
      "Kafka's partitioner by default",
    );
    assert.ok(sinks[1] instanceof NatsSink);
    assert.equal(sinks[1].name, "invoice/nats");
    assert.equal(kafkaInternals(sinks[2]).options.lifecycleTopic, "machine_lifecycle");

    const { options, clients } = nodeOptionsFromConfig(config, { relaysEnabled: false });
    await Promise.all(clients.map((client) => client.close?.()));
    assert.deepEqual(options.sinks, [], "without relays no sink is built");
    const namespaces = options.namespaces(() => {
      throw new Error("not needed");
    });
    assert.deepEqual(
      namespaces.map((namespace) => [namespace.name, namespace.eventSinks, namespace.lifecycleSinks]),
      [
        ["invoice", ["invoice/kafka", "invoice/nats"], [LIFECYCLE_PULSE_SINK]],
        ["party", [], [LIFECYCLE_PULSE_SINK]],
      ],
      "steps still write outbox records for every configured sink",
    );
  } finally {
    await Promise.all(sinks.map((sink) => sink.close()));
  }
});

test("Kafka TLS and SASL files are read into kafkajs's shapes; an empty ssl mapping is TLS with system CAs", async () => {
  const tls = `${PLAIN_CLIENT}
    ssl: {cacertfile: ${join(directory, "ca.pem")}, certfile: ${join(directory, "cert.pem")}, keyfile: ${join(directory, "key.pem")}}
    sasl: {mechanism: scram_sha_256, file: ${join(directory, "sasl.txt")}}`;
  const sinks = createSinks(configWith(tls), sinkPlansOf(configWith(tls)));
  const { settings } = kafkaInternals(sinks[0]);
  assert.deepEqual(settings.ssl, { ca: ["CA PEM"], cert: "CERT PEM", key: "KEY PEM" });
  assert.deepEqual(settings.sasl, { mechanism: "scram-sha-256", username: "ratchet", password: "s3cret" });
  await Promise.all(sinks.map((sink) => sink.close()));

  const inline = `${PLAIN_CLIENT}\n    ssl: {}\n    sasl: {username: u, password: p}`;
  const inlineSinks = createSinks(configWith(inline), sinkPlansOf(configWith(inline)));
  const inlineSettings = kafkaInternals(inlineSinks[0]).settings;
  assert.equal(inlineSettings.ssl, true);
  assert.deepEqual(inlineSettings.sasl, { mechanism: "scram-sha-512", username: "u", password: "p" });
  await Promise.all(inlineSinks.map((sink) => sink.close()));
});

test("a missing TLS file or a one-line SASL file is a ConfigError naming each key", () => {
  const broken = `${PLAIN_CLIENT}
    ssl: {cacertfile: ${join(directory, "absent.pem")}}
    sasl: {mechanism: plain, file: ${join(directory, "one-line.txt")}}`;
  const config = configWith(broken);
  assert.throws(
    () => createSinks(config, sinkPlansOf(config)),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(
        error.issues.map((issue) => issue.path),
        ["kafka.main.ssl.cacertfile", "kafka.main.sasl.file"],
      );
      assert.match(error.issues[0]?.message ?? "", /cannot read .*absent\.pem: ENOENT/);
      assert.match(
        error.issues[1]?.message ?? "",
        /user name on its first line and the password on its second/,
      );
      return true;
    },
  );
  assert.throws(() => nodeOptionsFromConfig(config), ConfigError, "a node is not started with them either");
});

test("two sinks that would share a name are refused", () => {
  const config = parseConfig(
    `
namespaces:
  a/b:
    processor: {url: 'http://127.0.0.1:1/p'}
    event_sinks: {c: {type: nats}}
  a:
    processor: {url: 'http://127.0.0.1:1/p'}
    event_sinks: {b/c: {type: nats}}
`,
    {},
  );
  assert.throws(
    () => sinkPlansOf(config),
    /namespaces\.a\.event_sinks\["b\/c"\]: its sink name "a\/b\/c" is also the name of namespaces\["a\/b"\]\.event_sinks\.c/,
  );
});

test("settings the sinks do not apply are listed: Kafka producer keys off MG's defaults, and metrics", () => {
  const tuned = `${PLAIN_CLIENT}\n    producer: {compression: gzip, required_acks: leader_only, ack_timeout: 5s}`;
  assert.deepEqual(unappliedSettings(configWith(tuned, "metrics: {port: 9102}")), [
    "kafka.main.producer.compression is not applied: the Kafka sink sends each relay batch as one all-replica, uncompressed produce",
    "kafka.main.producer.required_acks is not applied: the Kafka sink sends each relay batch as one all-replica, uncompressed produce",
    "metrics.port is not applied: metrics are served at /metrics on the woody_server port",
  ]);
  assert.deepEqual(unappliedSettings(configWith(PLAIN_CLIENT)), []);
});
