/**
 * Good configurations read into the documented RatchetConfig: a minimal file gets every default, each duration
 * and size form lands in the right field, `${ENV}` fills values, and two real files load — config/example.yaml
 * and one modelled on MG's own config.yaml, whose Erlang and Consul keys come back as ignored keys.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings hold ${ENV} references on purpose.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig, parseConfig } from "../../src/config/config.js";
import { DEFAULT_LIMITS } from "../../src/core/limits.js";
import {
  DEFAULT_NOTIFICATION_RETRY_POLICY,
  DEFAULT_TIMER_RETRY_POLICY,
} from "../../src/core/retry-policy.js";
import { nodeOptionsFromConfig } from "../../src/runtime/node-from-config.js";

const ROOT = new URL("../../../", import.meta.url);
const EXAMPLE = fileURLToPath(new URL("config/example.yaml", ROOT));
const MACHINEGUN = fileURLToPath(new URL("tests/config/machinegun-config.yaml", ROOT));
const PAYMENT_EXAMPLE = fileURLToPath(new URL("examples/payment-processor/ratchet.yaml", ROOT));

const MINIMAL = "namespaces:\n  invoice:\n    processor:\n      url: http://localhost:8022/processor\n";

function withNamespace(namespaceKeys: string, topLevel = ""): string {
  const indented = namespaceKeys
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
  return `${topLevel}\n${MINIMAL}${indented}\n`;
}

test("a minimal file gets every default: MG's where MG has one, Ratchet's otherwise", () => {
  const config = parseConfig(MINIMAL, {});
  assert.equal(config.serviceName, "ratchet");
  assert.deepEqual(config.woodyServer, {
    ip: "::",
    port: 8022,
    maxConcurrentConnections: 1024,
    httpKeepAliveTimeoutMs: 5000,
    idleTimeoutMs: null,
    shutdownTimeoutMs: 5000,
  });
  assert.deepEqual(config.storage, { type: "sqlite", path: "./data/ratchet.db" });
  assert.equal(config.leaseDurationMs, 30_000);
  assert.deepEqual(config.limits, DEFAULT_LIMITS);
  assert.deepEqual(config.kafka, {});
  assert.equal(config.lifecyclePulse, null);
  assert.deepEqual(config.logging, { level: "info" });
  assert.equal(config.metrics, null);
  assert.deepEqual(config.ignoredKeys, []);
  const invoice = config.namespaces.invoice!;
  assert.equal(invoice.name, "invoice");
  assert.deepEqual(invoice.processor, {
    url: "http://localhost:8022/processor",
    protocol: "woody",
    tls: null,
    poolSize: 50,
    httpKeepAliveTimeoutMs: 4000,
  });
  assert.deepEqual(invoice.processors, {});
  assert.deepEqual(invoice.routes, {});
  assert.equal(invoice.defaultProcessingTimeoutMs, 30_000);
  assert.equal(invoice.timerProcessingTimeoutMs, 60_000);
  assert.equal(invoice.notificationProcessingTimeoutMs, 5000);
  assert.deepEqual(invoice.retries.timers, DEFAULT_TIMER_RETRY_POLICY);
  assert.deepEqual(invoice.retries.notifications, DEFAULT_NOTIFICATION_RETRY_POLICY);
  assert.deepEqual(invoice.timers, {
    scanIntervalMs: 60_000,
    scanLimit: 5000,
    capacity: 1000,
    minScanDelayMs: 1000,
  });
  assert.deepEqual(invoice.overseer, {
    scanIntervalMs: 600_000,
    scanLimit: 5000,
    capacity: 1000,
    minScanDelayMs: 1000,
  });
  assert.deepEqual(invoice.notification, {
    capacity: 1000,
    scanIntervalMs: 60_000,
    minScanDelayMs: 1000,
    scanHandicapMs: 10_000,
    scanCutoffMs: 28 * 24 * 60 * 60 * 1000,
    rescheduleTimeMs: 5000,
    scanLimit: 5000,
  });
  assert.deepEqual(invoice.eventSinks, {});
  assert.equal(invoice.modernizer, null);
  assert.deepEqual(invoice.limits, DEFAULT_LIMITS);
  assert.equal(invoice.replyAfter, "commit");
});

test("lease_duration (a Ratchet extension) reaches the node's options; a hook still overrides it", async () => {
  const config = parseConfig(`lease_duration: 2s\n${MINIMAL}`, {});
  assert.equal(config.leaseDurationMs, 2000);
  assert.equal(parseConfig(`lease_duration: 1500ms\n${MINIMAL}`, {}).leaseDurationMs, 1500);
  const configured = nodeOptionsFromConfig(config, { relaysEnabled: false });
  const overridden = nodeOptionsFromConfig(config, { relaysEnabled: false, leaseDurationMs: 500 });
  const byDefault = nodeOptionsFromConfig(parseConfig(MINIMAL, {}), { relaysEnabled: false });
  const clients = [...configured.clients, ...overridden.clients, ...byDefault.clients];
  await Promise.all(clients.map((client) => client.close?.()));
  assert.equal(configured.options.leaseDurationMs, 2000);
  assert.equal(overridden.options.leaseDurationMs, 500);
  assert.equal(byDefault.options.leaseDurationMs, 30_000);
});

test("lease_warm (a Ratchet extension) reaches the node's options; 500ms by default, 0 gives leases up at once", async () => {
  const warm = parseConfig(`lease_warm: 2s\n${MINIMAL}`, {});
  assert.equal(warm.leaseWarmMs, 2000);
  assert.equal(parseConfig(`lease_warm: 0ms\n${MINIMAL}`, {}).leaseWarmMs, 0);
  assert.equal(parseConfig(MINIMAL, {}).leaseWarmMs, 500);
  const { options, clients } = nodeOptionsFromConfig(warm, { relaysEnabled: false });
  await Promise.all(clients.map((client) => client.close?.()));
  assert.equal(options.leaseWarmMs, 2000);
});

test("the result is frozen all the way down", () => {
  const config = parseConfig(MINIMAL, {});
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.namespaces.invoice!.retries.timers.backoff));
  assert.throws(() => {
    (config.woodyServer as { port: number }).port = 1;
  }, TypeError);
});

test("every duration form reaches its field in milliseconds; infinity where allowed; empty values mean defaults", () => {
  const yaml = withNamespace(
    [
      "default_processing_timeout: 1W",
      "timer_processing_timeout: 10m",
      "notification_processing_timeout: 2d",
      "timers:",
      "overseer:",
      "notification:",
      "  scan_interval: 1h",
      "  min_scan_delay: 30s",
      "  scan_handicap: 500ms",
      "  reschedule_time: 1500mu",
      "  scan_cutoff: 2W",
    ].join("\n"),
    "woody_server:\n  idle_timeout: infinity\n  http_keep_alive_timeout: 1m\n  shutdown_timeout: 0s",
  );
  const config = parseConfig(yaml, {});
  const invoice = config.namespaces.invoice!;
  assert.equal(invoice.defaultProcessingTimeoutMs, 7 * 24 * 60 * 60 * 1000);
  assert.equal(invoice.timerProcessingTimeoutMs, 600_000);
  assert.equal(invoice.notificationProcessingTimeoutMs, 2 * 24 * 60 * 60 * 1000);
  assert.equal(invoice.timers?.scanIntervalMs, 60_000, "an empty value means the defaults");
  assert.equal(invoice.overseer?.scanIntervalMs, 600_000);
  assert.deepEqual(invoice.notification, {
    capacity: 1000,
    scanIntervalMs: 3_600_000,
    minScanDelayMs: 30_000,
    scanHandicapMs: 500,
    scanCutoffMs: 14 * 24 * 60 * 60 * 1000,
    rescheduleTimeMs: 1,
    scanLimit: 5000,
  });
  assert.equal(config.woodyServer.idleTimeoutMs, null);
  assert.equal(config.woodyServer.httpKeepAliveTimeoutMs, 60_000);
  assert.equal(config.woodyServer.shutdownTimeoutMs, 0);
});

test("sizes take every unit or a byte count, and namespace limits lay over the top-level ones", () => {
  const topLevel = [
    "limits:",
    "  event_bytes_max: 512k",
    "  aux_state_bytes_max: 10b",
    "  args_bytes_max: 2048",
    "  step_bytes_max: 128M",
    "  step_events_max: 500",
  ].join("\n");
  const yaml = withNamespace("limits:\n  aux_state_bytes_max: 1M\n  history_page_events_max: 1000", topLevel);
  const config = parseConfig(
    `${yaml}kafka:\n  main:\n    endpoints: [{host: k, port: 9092}]\n    producer: {max_batch_size: 1G}\n`,
    {},
  );
  const top = { ...DEFAULT_LIMITS, eventBytesMax: 512 * 1024, auxStateBytesMax: 10, argsBytesMax: 2048 };
  assert.deepEqual(config.limits, { ...top, stepBytesMax: 128 * 1024 ** 2, stepEventsMax: 500 });
  assert.deepEqual(config.namespaces.invoice!.limits, {
    ...config.limits,
    auxStateBytesMax: 1024 ** 2,
    historyPageEventsMax: 1000,
  });
  assert.equal(config.kafka.main!.producer.maxBatchSizeBytes, 1024 ** 3);
});

test("${ENV} fills strings anywhere, numbers included; ignored MG sections need no variables", () => {
  const yaml = [
    "woody_server: {port: '${PORT}'}",
    "storage: {type: postgres, url: 'postgres://ratchet:${DB_PASSWORD}@${DB_HOST}/ratchet'}",
    "consul: {url: '${CONSUL_URL_NOT_SET}'}",
    "namespaces:",
    "  invoice:",
    "    processor: {url: 'http://${PROCESSOR_HOST}:8022/processor'}",
  ].join("\n");
  const env = { PORT: "9022", DB_PASSWORD: "s3cret", DB_HOST: "db", PROCESSOR_HOST: "hellgate" };
  const config = parseConfig(yaml, env);
  assert.equal(config.woodyServer.port, 9022);
  assert.deepEqual(config.storage, {
    type: "postgres",
    url: "postgres://ratchet:s3cret@db/ratchet",
    poolSize: 10,
    schema: "ratchet",
  });
  assert.equal(config.namespaces.invoice!.processor.url, "http://hellgate:8022/processor");
});

test("storage: MG's memory type becomes SQLite in memory, and a SQLite path can be set", () => {
  assert.deepEqual(parseConfig(`storage: {type: memory}\n${MINIMAL}`, {}).storage, {
    type: "sqlite",
    path: ":memory:",
  });
  assert.deepEqual(parseConfig(`storage: {type: sqlite, path: /var/lib/r.db}\n${MINIMAL}`, {}).storage, {
    type: "sqlite",
    path: "/var/lib/r.db",
  });
});

test("config/example.yaml loads: two namespaces, routes, limits, sinks, retries and reply_after", async () => {
  const config = await loadConfig(EXAMPLE, {
    RATCHET_DATABASE_URL: "postgres://localhost/ratchet",
    KAFKA_PASSWORD: "pw",
  });
  assert.deepEqual(Object.keys(config.namespaces), ["invoice", "party"]);
  assert.deepEqual(config.ignoredKeys, []);
  assert.deepEqual(config.lifecyclePulse, { client: "default_kafka_client", topic: "machine_lifecycle" });
  assert.deepEqual(config.kafka.default_kafka_client!.sasl, {
    mechanism: "scram_sha_512",
    username: "ratchet",
    password: "pw",
  });
  const { invoice, party } = config.namespaces;
  assert.deepEqual(invoice!.routes, { repair: "repairer" });
  assert.equal(invoice!.processors.repairer!.poolSize, 10);
  assert.equal(invoice!.limits.auxStateBytesMax, 8 * 1024 ** 2);
  assert.equal(invoice!.limits.eventBytesMax, 2 * 1024 ** 2);
  assert.deepEqual(invoice!.retries.notifications.backoff, {
    kind: "intervals",
    intervalsMs: [1000, 10_000, 60_000, 600_000, 3_600_000],
  });
  assert.equal(invoice!.modernizer?.currentFormatVersion, 2);
  assert.deepEqual(invoice!.eventSinks, {
    kafka: {
      type: "kafka",
      client: "default_kafka_client",
      topic: "mg-events-invoice",
      partitioner: "kafka_default",
    },
  });
  assert.deepEqual(party!.retries.timers, {
    backoff: { kind: "linear", initialIntervalMs: 5000, incrementMs: 0 },
    maxTotalMs: 3_600_000,
  });
  assert.equal(party!.overseer, null);
  assert.equal(party!.replyAfter, "sink_ack");
});

test("an MG config.yaml loads; Erlang, Consul, cluster and logger keys come back as ignored keys with reasons", async () => {
  const config = await loadConfig(MACHINEGUN, { MG_DATA_DIR: "/var/lib/mg" });
  const ignored = config.ignoredKeys.map((key) => key.path);
  for (const path of [
    "dist_node_name",
    "dist_port",
    "erlang",
    "consuela",
    "consul",
    "snowflake_machine_id",
    "limits.process_heap",
    "limits.disk",
    "limits.memory",
    "limits.scheduler_tasks",
    "logging.root",
    "logging.formatter",
    "namespaces.mg_test_ns.event_sinks.machine",
    "namespaces.mg_test_ns.reschedule_timeout",
    "namespaces.mg_test_ns.hibernate_timeout",
    "namespaces.mg_test_ns.shutdown_timeout",
    "namespaces.mg_test_ns.unload_timeout",
    "namespaces.mg_test_ns.event_stash_size",
  ]) {
    assert.ok(ignored.includes(path), `${path} should be ignored; ignored: ${ignored.join(", ")}`);
  }
  assert.ok(config.ignoredKeys.every((key) => key.reason.length > 0));
  assert.equal(config.serviceName, "machinegun");
  assert.ok(!ignored.includes("opentelemetry"), "opentelemetry is read");
  assert.deepEqual(config.tracing, { serviceName: "machinegun", tracesUrl: "http://jaeger:4318/v1/traces" });
  assert.deepEqual(config.storage, { type: "sqlite", path: "/var/lib/mg/machinegun.db" });
  assert.equal(config.woodyServer.httpKeepAliveTimeoutMs, 60_000);
  assert.equal(config.logging.level, "info");
  const client = config.kafka.default_kafka_client!;
  assert.equal(client.endpoints.length, 3);
  assert.deepEqual(client.sasl, { mechanism: "scram_sha_512", file: "secret.txt" }, "a file wins, as in MG");
  assert.deepEqual(client.ssl, { certFile: "client.crt", keyFile: "client.key", caCertFile: "ca.crt" });
  assert.equal(client.producer.maxBatchSizeBytes, 1024 ** 2);
  const namespace = config.namespaces.mg_test_ns!;
  assert.deepEqual(namespace.eventSinks, {
    kafka: {
      type: "kafka",
      client: "default_kafka_client",
      topic: "mg_test_ns",
      partitioner: "kafka_default",
    },
  });
  assert.deepEqual(namespace.timers, {
    scanIntervalMs: 60_000,
    scanLimit: 1000,
    capacity: 500,
    minScanDelayMs: 10_000,
  });
  assert.equal(namespace.overseer, null);
  assert.equal(namespace.processor.httpKeepAliveTimeoutMs, 10_000);
  assert.deepEqual(namespace.modernizer, {
    currentFormatVersion: 1,
    handler: {
      url: "http://localhost:8022/modernizer",
      protocol: "woody",
      tls: null,
      poolSize: 50,
      httpKeepAliveTimeoutMs: 10_000,
    },
  });
});

test("Ratchet extensions: named processors with routes, a NATS sink with its defaults, reply_after", () => {
  const yaml = withNamespace(
    [
      "processors:",
      "  fast: {url: 'https://fast:8022/p'}",
      "routes: {call: fast, timer: fast, init: processor}",
      "event_sinks:",
      "  stream: {type: nats}",
      "  other: {type: nats, url: 'tls://n:4222', stream: EVENTS, subject_prefix: prod.events}",
      "reply_after: sink_ack",
    ].join("\n"),
  );
  const invoice = parseConfig(yaml, {}).namespaces.invoice!;
  assert.deepEqual(invoice.routes, { call: "fast", timer: "fast" }, "routes to `processor` are left out");
  assert.deepEqual(invoice.eventSinks, {
    stream: { type: "nats", url: "nats://localhost:4222", stream: "ratchet", subjectPrefix: "ratchet" },
    other: { type: "nats", url: "tls://n:4222", stream: "EVENTS", subjectPrefix: "prod.events" },
  });
  assert.equal(invoice.replyAfter, "sink_ack");
});

test("a processor may speak http-json beside woody, the default; the payment example's file loads", async () => {
  const yaml = withNamespace(
    [
      "processors:",
      "  json: {url: 'http://json:8080/p', protocol: http-json}",
      "  mg: {url: 'http://mg:8022/p'}",
    ].join("\n"),
  );
  const invoice = parseConfig(yaml, {}).namespaces.invoice!;
  assert.equal(invoice.processor.protocol, "woody");
  assert.equal(invoice.processors.json?.protocol, "http-json");
  assert.equal(invoice.processors.mg?.protocol, "woody");
  const payments = (await loadConfig(PAYMENT_EXAMPLE, {})).namespaces.payments!;
  assert.deepEqual(payments.processor, {
    url: "http://127.0.0.1:8080/process",
    protocol: "http-json",
    tls: null,
    poolSize: 50,
    httpKeepAliveTimeoutMs: 4000,
  });
});
