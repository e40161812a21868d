/**
 * Trace export: MG's `opentelemetry` key (`disabled`, or `{service_name, exporter: {protocol, endpoint}}`) and the
 * standard `OTEL_*` variables, resolved into where spans go over OTLP/HTTP (protobuf), or null when nowhere.
 * Only `http/protobuf` is spoken; MG's `grpc` is refused with the advice to switch.
 */
import { z } from "zod";
import type { Environment } from "./document.js";
import type { ConfigIssue } from "./errors.js";
import { disabledOr, oneOf, reject, text, url } from "./values.js";

/** Where spans are exported; null in RatchetConfig when tracing is off. */
export interface TracingConfig {
  /** The `service.name` of the spans' resource. */
  readonly serviceName: string;
  /** The full OTLP/HTTP traces URL (`…/v1/traces`). */
  readonly tracesUrl: string;
}

const HTTP_PROTOBUF = "http/protobuf";
const GRPC_REFUSAL = `grpc is not supported: use ${HTTP_PROTOBUF} (OTLP over HTTP, usually port 4318)`;
/** The path OTLP/HTTP appends to a base endpoint (OTLP specification, "OTLP/HTTP Request"). */
const TRACES_PATH = "v1/traces";

function protocol() {
  return oneOf([HTTP_PROTOBUF, "grpc"]).transform((value, context) =>
    value === "grpc" ? reject(context, GRPC_REFUSAL) : value,
  );
}

export const OPENTELEMETRY = disabledOr(
  z.strictObject({
    service_name: text().optional(),
    exporter: z.strictObject({
      protocol: protocol().prefault(HTTP_PROTOBUF),
      endpoint: url(["http", "https"]),
    }),
  }),
).optional();

export type OpentelemetryKey = z.output<typeof OPENTELEMETRY>;

/** `base` with `v1/traces` appended, as OTEL_EXPORTER_OTLP_ENDPOINT and MG's endpoint are read. */
export function tracesUrlOf(base: string): string {
  return `${base.endsWith("/") ? base : `${base}/`}${TRACES_PATH}`;
}

/**
 * The export the key and the environment ask for. `OTEL_TRACES_EXPORTER=none` or `opentelemetry: disabled` turn it
 * off; otherwise the traces endpoint is `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, else the key's
 * `exporter.endpoint` or `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces` appended; no endpoint, no export. The
 * service name is `OTEL_SERVICE_NAME`, else the key's `service_name`, else the top-level `service_name`.
 */
export function tracingConfigOf(
  key: OpentelemetryKey,
  env: Environment,
  serviceName: string,
): { tracing: TracingConfig | null; issues: ConfigIssue[] } {
  const issues = environmentIssues(env);
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (issues.length > 0 || key === null || exporter === "none") return { tracing: null, issues };
  const tracesUrl =
    nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ??
    optionalTracesUrl(key?.exporter.endpoint) ??
    optionalTracesUrl(nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT));
  if (tracesUrl === undefined) return { tracing: null, issues };
  const name = nonEmpty(env.OTEL_SERVICE_NAME) ?? key?.service_name ?? serviceName;
  return { tracing: { serviceName: name, tracesUrl }, issues };
}

function environmentIssues(env: Environment): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const exporter = nonEmpty(env.OTEL_TRACES_EXPORTER);
  if (exporter !== undefined && exporter !== "otlp" && exporter !== "none") {
    issues.push({ path: "OTEL_TRACES_EXPORTER", message: `must be otlp or none; got "${exporter}"` });
  }
  for (const name of ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"]) {
    const value = nonEmpty(env[name]);
    if (value === undefined || value === HTTP_PROTOBUF) continue;
    const message = value === "grpc" ? GRPC_REFUSAL : `must be ${HTTP_PROTOBUF}; got "${value}"`;
    issues.push({ path: name, message });
  }
  for (const name of ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]) {
    const value = nonEmpty(env[name]);
    if (value !== undefined && !isHttpUrl(value)) {
      issues.push({ path: name, message: `must be an http:// or https:// URL; got "${value}"` });
    }
  }
  return issues;
}

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && ["http:", "https:"].includes(new URL(value).protocol);
}

function optionalTracesUrl(base: string | undefined): string | undefined {
  return base === undefined ? undefined : tracesUrlOf(base);
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}
