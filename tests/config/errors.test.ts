/**
 * Bad configurations throw one ConfigError that lists every problem, each naming the path of the bad key and
 * why: unknown keys, wrong types, negative or unit-less durations, undefined variables, dangling references
 * (sink clients, lifecycle client, route processors), unsupported storage and broken YAML.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings hold ${ENV} references on purpose.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, loadConfig, parseConfig } from "../../src/config/config.js";
import { RatchetError } from "../../src/core/errors.js";

const MINIMAL = "namespaces:\n  invoice:\n    processor:\n      url: http://localhost:8022/processor\n";

/** The problems of a configuration as `path: message` lines, in the order the error lists them. */
function problems(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(yaml, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.issues.map((issue) =>
      issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`,
    );
  }
  assert.fail("expected the configuration to be refused");
}

function withNamespace(namespaceKeys: string, topLevel = ""): string {
  const indented = namespaceKeys
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
  return `${topLevel}\n${MINIMAL}${indented}\n`;
}

test("ConfigError is a RatchetError with a stable code, its issues, and a message naming each path", () => {
  try {
    parseConfig(`typo: 1\n${MINIMAL}`, {}, { source: "ratchet.yaml" });
    assert.fail("expected a ConfigError");
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.ok(error instanceof RatchetError);
    assert.equal(error.code, "config_invalid");
    assert.equal(error.source, "ratchet.yaml");
    assert.deepEqual(error.issues, [{ path: "typo", message: "unknown key" }]);
    assert.equal(
      error.message,
      "the configuration in ratchet.yaml is invalid (1 problem):\n  typo: unknown key",
    );
  }
});

test("an unknown key is reported with its full path, at the top level and deep inside a namespace", () => {
  assert.deepEqual(problems(`woody_sever: {port: 1}\n${MINIMAL}`), ["woody_sever: unknown key"]);
  assert.deepEqual(problems(withNamespace("retries:\n  timers:\n    max_retry: 3")), [
    "namespaces.invoice.retries.timers.max_retry: unknown key",
  ]);
  assert.deepEqual(problems(withNamespace("processor_url: x")), [
    "namespaces.invoice.processor_url: unknown key",
  ]);
});

test("a value of the wrong type names the key and what it should be", () => {
  assert.deepEqual(problems(`woody_server: {port: abc}\n${MINIMAL}`), [
    'woody_server.port: must be a whole number in 0..65535; got "abc"',
  ]);
  assert.deepEqual(problems("namespaces:\n  invoice:\n    processor: http://x\n"), [
    'namespaces.invoice.processor: must be a mapping; got "http://x"',
  ]);
  assert.deepEqual(problems(withNamespace("timers: off")), [
    'namespaces.invoice.timers: must be "disabled" or a mapping; got "off"',
  ]);
  assert.deepEqual(problems(withNamespace("retries:\n  timers:\n    factor: 0.5")), [
    "namespaces.invoice.retries.timers.factor: must be a number ≥ 1; got 0.5",
  ]);
});

test("a negative duration is refused", () => {
  assert.deepEqual(problems(withNamespace("timer_processing_timeout: -5s")), [
    'namespaces.invoice.timer_processing_timeout: must not be negative; got "-5s"',
  ]);
});

test("a deadline without a unit is refused: the unit of a bare number would be a guess", () => {
  const [problem] = problems(withNamespace("default_processing_timeout: 30"));
  assert.match(problem!, /^namespaces\.invoice\.default_processing_timeout: needs a unit \(.*\); got 30$/);
  assert.deepEqual(problems(withNamespace("default_processing_timeout: 0s")), [
    "namespaces.invoice.default_processing_timeout: must be longer than 0ms",
  ]);
  assert.deepEqual(problems(withNamespace("default_processing_timeout: infinity")), [
    "namespaces.invoice.default_processing_timeout: must be a finite duration here, not infinity",
  ]);
});

test("an undefined variable names the variable and the key; the key is not reported again", () => {
  const yaml =
    "storage: {type: postgres, url: '${DATABASE_URL}'}\nnamespaces:\n  invoice:\n    processor: {url: '${A}${B}'}\n";
  assert.deepEqual(problems(yaml, { A: "http://x" }), [
    "namespaces.invoice.processor.url: environment variable B is not defined",
    "storage.url: environment variable DATABASE_URL is not defined",
  ]);
});

test("lease_duration must be a positive, finite duration with a unit", () => {
  assert.deepEqual(problems(`lease_duration: 0s\n${MINIMAL}`), ["lease_duration: must be longer than 0ms"]);
  assert.deepEqual(problems(`lease_duration: infinity\n${MINIMAL}`), [
    "lease_duration: must be a finite duration here, not infinity",
  ]);
  const [unitless] = problems(`lease_duration: 30\n${MINIMAL}`);
  assert.match(unitless ?? "", /^lease_duration: needs a unit .*; got 30$/);
});

test("lease_warm must be a finite duration with a unit, not negative", () => {
  const [negative] = problems(`lease_warm: -1s\n${MINIMAL}`);
  assert.match(negative ?? "", /^lease_warm: /);
  const [unitless] = problems(`lease_warm: 500\n${MINIMAL}`);
  assert.match(unitless ?? "", /^lease_warm: needs a unit .*; got 500$/);
  assert.deepEqual(problems(`lease_warm: infinity\n${MINIMAL}`), [
    "lease_warm: must be a finite duration here, not infinity",
  ]);
});

test("a sink or lifecycle client must be defined under kafka", () => {
  const kafka =
    "kafka:\n  main:\n    endpoints: [{host: k, port: 9092}]\nlifecycle_pulse: {client: mian, topic: life}";
  const yaml = withNamespace("event_sinks:\n  events: {type: kafka, client: other, topic: t}", kafka);
  assert.deepEqual(problems(yaml), [
    'lifecycle_pulse.client: names Kafka client "mian", which kafka does not define (defined: "main")',
    'namespaces.invoice.event_sinks.events.client: names Kafka client "other", which kafka does not define (defined: "main")',
  ]);
});

test("a route must name `processor` or one of processors, which may not use a reserved name", () => {
  const yaml = withNamespace(
    "processors:\n  default: {url: 'http://d'}\n  fast: {url: 'http://f'}\nroutes: {call: fsat}",
  );
  assert.deepEqual(problems(yaml), [
    'namespaces.invoice.processors.default: is a reserved name ("processor", "default"); choose another',
    'namespaces.invoice.routes.call: names processor "fsat", which is neither "processor" nor one of processors ("default", "fast")',
  ]);
  assert.deepEqual(problems(withNamespace("routes: {signal: processor}")), [
    "namespaces.invoice.routes.signal: unknown key",
  ]);
});

test("reply_after: sink_ack without a sink, an unknown sink type, and SASL without credentials are refused", () => {
  assert.deepEqual(problems(withNamespace("reply_after: sink_ack")), [
    "namespaces.invoice.reply_after: sink_ack needs at least one kafka or nats event sink",
  ]);
  assert.deepEqual(problems(withNamespace("event_sinks:\n  s: {type: riak}")), [
    "namespaces.invoice.event_sinks.s.type: must be one of kafka, nats",
  ]);
  assert.deepEqual(
    problems(`kafka:\n  k:\n    endpoints: [{host: k, port: 9092}]\n    sasl: {username: u}\n${MINIMAL}`),
    ["kafka.k.sasl.password: is required when no file is given"],
  );
});

test("a NATS sink needs a subject prefix without the namespace's old `subject`, a stream name and a TCP URL", () => {
  const sinks = [
    "event_sinks:",
    "  old: {type: nats, subject: ratchet.invoice}",
    "  bad: {type: nats, url: 'ws://n:80', stream: a.b, subject_prefix: 'ratchet.>'}",
  ].join("\n");
  assert.deepEqual(problems(withNamespace(sinks)), [
    'namespaces.invoice.event_sinks.bad.stream: must be a JetStream stream name (no ".", "*", ">", "/", "\\" or spaces); got "a.b"',
    'namespaces.invoice.event_sinks.bad.subject_prefix: must be NATS subject tokens separated by "." (no empty token, "*", ">" or spaces, not starting with "$"); got "ratchet.>"',
    'namespaces.invoice.event_sinks.bad.url: must be a nats:// or tls:// URL; got "ws://n:80"',
    "namespaces.invoice.event_sinks.old.subject: unknown key",
  ]);
});

test("MG's Riak storage is refused with the one problem that matters", () => {
  assert.deepEqual(
    problems(`storage: {type: riak, host: riak-mg, port: 8078, pool: {size: 100}}\n${MINIMAL}`),
    ["storage.type: riak is not supported: use sqlite or postgres"],
  );
});

test("limits outside core bounds and sizes without units are refused", () => {
  assert.deepEqual(
    problems(`limits: {event_bytes_max: 1T, step_events_max: 0, aux_state_bytes_max: '10'}\n${MINIMAL}`),
    [
      'limits.aux_state_bytes_max: needs a unit (a whole number and a unit: b, k, M, G, T or P (powers of 1024), e.g. 1M); got "10"',
      "limits.event_bytes_max: must be at most 67108864",
      "limits.step_events_max: must be a whole number ≥ 1; got 0",
    ],
  );
});

test("several problems across the file are all reported in one error, sorted by path", () => {
  const yaml = [
    "woody_server: {port: 70000}",
    "metrics: {port: -1}",
    "logging: {level: verbose}",
    "namespaces:",
    "  invoice:",
    "    processor: {url: 'ftp://x'}",
    "    default_processing_timeout: 30",
    "    suicide_probability: 2",
    "    routes: {call: nowhere}",
    "  party:",
    "    processor: {pool_size: 0}",
  ].join("\n");
  assert.deepEqual(
    problems(yaml).map((problem) => problem.split(":")[0]),
    [
      "logging.level",
      "metrics.port",
      "namespaces.invoice.default_processing_timeout",
      "namespaces.invoice.processor.url",
      "namespaces.invoice.routes.call",
      "namespaces.invoice.suicide_probability",
      "namespaces.party.processor.pool_size",
      "namespaces.party.processor.url",
      "woody_server.port",
    ],
  );
});

test("broken YAML, duplicate keys, an empty file and a missing namespaces key are refused", () => {
  assert.match(problems("namespaces: [unclosed\n")[0]!, /^YAML: /);
  assert.match(problems(`${MINIMAL}namespaces: {}\n`)[0]!, /^YAML: Map keys must be unique/);
  assert.deepEqual(problems(""), ["the file is empty; at least namespaces is required"]);
  assert.deepEqual(problems("- a\n- b\n"), ["must be a mapping of top-level keys"]);
  assert.deepEqual(problems("service_name: r\n"), ["namespaces: is required"]);
  assert.deepEqual(problems("namespaces: {}\n"), ["namespaces: must define at least one namespace"]);
  assert.deepEqual(problems(`${MINIMAL}  __proto__:\n    processor: {url: 'http://x'}\n`), [
    "namespaces.__proto__: is not allowed as a key",
  ]);
});

test("a file that cannot be read is a ConfigError naming the file", async () => {
  await assert.rejects(loadConfig("/nonexistent/ratchet.yaml", {}), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.source, "/nonexistent/ratchet.yaml");
    assert.match(error.message, /cannot read the file: ENOENT/);
    return true;
  });
});

test("a processor speaks woody or http-json; a modernizer speaks woody only", () => {
  const yaml = [
    "namespaces:",
    "  invoice:",
    "    processor: {url: 'http://p', protocol: grpc}",
    "    processors:",
    "      fast: {url: 'http://f', protocol: HTTP-JSON}",
    "    modernizer:",
    "      current_format_version: 2",
    "      handler: {url: 'http://m', protocol: http-json}",
    "",
  ].join("\n");
  assert.deepEqual(problems(yaml), [
    'namespaces.invoice.modernizer.handler.protocol: must be one of woody; got "http-json"',
    'namespaces.invoice.processor.protocol: must be one of woody, http-json; got "grpc"',
    'namespaces.invoice.processors.fast.protocol: must be one of woody, http-json; got "HTTP-JSON"',
  ]);
});
