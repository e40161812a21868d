/**
 * Where spans go: MG's `opentelemetry` key and the standard OTEL_* variables resolved into one OTLP/HTTP traces
 * URL and service name, or none; `grpc` (MG's other protocol) and anything but `http/protobuf` refused with a
 * typed configuration error that names the key and says what to use.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseConfig } from "../../src/config/config.js";
import type { Environment } from "../../src/config/document.js";
import { ConfigError } from "../../src/config/errors.js";

const NAMESPACES = "namespaces:\n  pay:\n    processor: {url: 'http://127.0.0.1:1'}\n";

function tracingOf(yaml: string, env: Environment = {}) {
  return parseConfig(`${yaml}${NAMESPACES}`, env).tracing;
}

function refusalOf(yaml: string, env: Environment = {}): ConfigError {
  try {
    parseConfig(`${yaml}${NAMESPACES}`, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail("the configuration was accepted");
}

describe("tracing configuration", () => {
  test("MG's key: the exporter's endpoint gets /v1/traces, its service_name names the resource", () => {
    const yaml = `service_name: mg
opentelemetry:
  service_name: mg-traces
  exporter: {protocol: http/protobuf, endpoint: 'http://collector:4318'}
`;
    assert.deepEqual(tracingOf(yaml), {
      serviceName: "mg-traces",
      tracesUrl: "http://collector:4318/v1/traces",
    });
    assert.deepEqual(
      tracingOf("service_name: mg\nopentelemetry: {exporter: {endpoint: 'http://c:4318/'}}\n"),
      {
        serviceName: "mg",
        tracesUrl: "http://c:4318/v1/traces",
      },
    );
  });

  test("no key and no OTEL_* endpoint: no export; `disabled` and OTEL_TRACES_EXPORTER=none turn it off", () => {
    assert.equal(tracingOf(""), null);
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };
    assert.equal(tracingOf("opentelemetry: disabled\n", env), null);
    assert.equal(tracingOf("", { ...env, OTEL_TRACES_EXPORTER: "none" }), null);
  });

  test("the OTEL_* variables: base and traces endpoints, service name, over the key", () => {
    assert.deepEqual(tracingOf("", { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }), {
      serviceName: "ratchet",
      tracesUrl: "http://collector:4318/v1/traces",
    });
    const yaml = "opentelemetry: {service_name: a, exporter: {endpoint: 'http://key:4318'}}\n";
    const env = {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:4318/custom/path",
      OTEL_SERVICE_NAME: "from-env",
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    };
    assert.deepEqual(tracingOf(yaml, env), {
      serviceName: "from-env",
      tracesUrl: "http://traces:4318/custom/path",
    });
  });

  test("grpc is refused with the advice to use http/protobuf, from the key or the environment", () => {
    const fromKey = refusalOf("opentelemetry: {exporter: {protocol: grpc, endpoint: 'http://c:4317'}}\n");
    assert.equal(fromKey.issues.length, 1);
    assert.equal(fromKey.issues[0]?.path, "opentelemetry.exporter.protocol");
    assert.match(fromKey.issues[0]?.message ?? "", /grpc is not supported: use http\/protobuf/);
    const fromEnv = refusalOf("", { OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" });
    assert.deepEqual(
      fromEnv.issues.map((issue) => issue.path),
      ["OTEL_EXPORTER_OTLP_PROTOCOL"],
    );
    assert.match(fromEnv.message, /use http\/protobuf/);
  });

  test("other bad values are refused: a protocol, an exporter, an endpoint that is no http URL", () => {
    assert.match(
      refusalOf("", { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json" }).message,
      /must be http\/protobuf/,
    );
    assert.match(
      refusalOf("", { OTEL_TRACES_EXPORTER: "zipkin" }).message,
      /OTEL_TRACES_EXPORTER: must be otlp or none/,
    );
    assert.match(refusalOf("", { OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }).message, /must be an http/);
    assert.match(
      refusalOf("opentelemetry: {exporter: {endpoint: 'ftp://c'}}\n").message,
      /opentelemetry\.exporter\.endpoint: must be a http:\/\/ or https:\/\/ URL/,
    );
  });
});
