/**
 * Ratchet's configuration: one YAML file in MG's format (plus Ratchet's extensions) and the environment, read
 * into one typed, frozen value with every default filled. Every problem in the file is reported at once.
 */

import { readFile } from "node:fs/promises";
import type { Limits } from "../core/limits.js";
import { resolveLimits } from "../core/limits.js";
import {
  type AccessConfig,
  type AutomatonConfig,
  accessConfigOf,
  automatonConfigOf,
  type HttpConfig,
} from "./access.js";
import type { Environment } from "./document.js";
import { interpolateTree, isMapping, readYaml } from "./document.js";
import type { ConfigIssue } from "./errors.js";
import { ConfigError } from "./errors.js";
import type { IgnoredKey } from "./ignored-keys.js";
import { setIgnoredKeysAside } from "./ignored-keys.js";
import { toConfigIssues } from "./issues.js";
import type { KafkaClientConfig } from "./kafka.js";
import type { NamespaceConfig } from "./namespace.js";
import { completeNamespace } from "./namespace.js";
import { type TracingConfig, tracingConfigOf } from "./opentelemetry.js";
import { checkReferences } from "./references.js";
import type {
  LifecyclePulseConfig,
  LoggingConfig,
  MetricsConfig,
  StorageConfig,
  WoodyServerConfig,
} from "./schema.js";
import { CONFIG_SCHEMA } from "./schema.js";

export interface RatchetConfig {
  /** Name of this service in logs and metrics (MG: `machinegun`; here `ratchet`). */
  readonly serviceName: string;
  /** The Thrift (woody) API server. */
  readonly woodyServer: WoodyServerConfig;
  /** Ratchet extension: who may use the JSON API and the console (`auth`, `RATCHET_TOKENS`). */
  readonly access: AccessConfig;
  /** Ratchet extension: TLS of the node's HTTP server, the JSON API's rate limit. */
  readonly http: HttpConfig;
  /** Ratchet extension: the Automaton's own listener and token header. */
  readonly automaton: AutomatonConfig;
  /** Where machines live (default: SQLite at ./data/ratchet.db). */
  readonly storage: StorageConfig;
  /**
   * How long a lease on a machine (and on a sink's relay) lasts without renewal, ms (default 30 s). A node that
   * stops renewing loses its machines to the others after this long.
   */
  readonly leaseDurationMs: number;
  /**
   * How long a node keeps a machine's lease after a request's step, ms (default 500), so the next request runs
   * without taking it again; another node asking for the machine gets it at once. 0 gives it up with the step.
   */
  readonly leaseWarmMs: number;
  /** Ratchet extension: how long idempotency keys of the JSON API are kept, ms (default 24 h). */
  readonly idempotencyKeyRetentionMs: number;
  /** Ratchet extension: the most machines a second a bulk run may ask for. */
  readonly bulkRatePerSecondMax: number;
  /** Ratchet extension: bytes of complete histories a node keeps in memory. */
  readonly historyCacheBytesMax: number;
  /** Limits for every namespace that does not override them. */
  readonly limits: Limits;
  /** Kafka clients by name, for event sinks and lifecycle events. */
  readonly kafka: Readonly<Record<string, KafkaClientConfig>>;
  /** Machine lifecycle events to Kafka; null when off. */
  readonly lifecyclePulse: LifecyclePulseConfig | null;
  /** Logging. */
  readonly logging: LoggingConfig;
  /** The Prometheus endpoint; null when off. */
  readonly metrics: MetricsConfig | null;
  /** Where spans are exported over OTLP/HTTP (`opentelemetry` and the `OTEL_*` variables); null when off. */
  readonly tracing: TracingConfig | null;
  /** Namespaces by name; at least one. */
  readonly namespaces: Readonly<Record<string, NamespaceConfig>>;
  /** MG keys present in the file that have no effect here, for `ratchet serve` to warn about. */
  readonly ignoredKeys: readonly IgnoredKey[];
}

/**
 * Reads a configuration from YAML text. `${NAME}` in any string value is replaced from `env`; `source` names
 * the file in error messages. Throws ConfigError listing every problem.
 */
export function parseConfig(
  yamlText: string,
  env: Environment,
  options: { source?: string } = {},
): RatchetConfig {
  const { source } = options;
  const { tree, issues: yamlIssues } = readYaml(yamlText);
  if (yamlIssues.length > 0) throw new ConfigError(yamlIssues, source);
  if (tree === null || tree === undefined) {
    throw new ConfigError(
      [{ path: "", message: "the file is empty; at least namespaces is required" }],
      source,
    );
  }
  if (!isMapping(tree))
    throw new ConfigError([{ path: "", message: "must be a mapping of top-level keys" }], source);

  const { tree: kept, ignoredKeys } = setIgnoredKeysAside(tree);
  const envIssues: ConfigIssue[] = [];
  const interpolated = interpolateTree(kept, { env, issues: envIssues });
  const parsed = CONFIG_SCHEMA.safeParse(interpolated, { reportInput: true });
  // A key whose variable is undefined is reported once, for the variable, not again for the text left behind.
  const envPaths = new Set(envIssues.map((issue) => issue.path));
  const laterIssues = [
    ...(parsed.success ? [] : toConfigIssues(parsed.error.issues)),
    ...checkReferences(isMapping(interpolated) ? interpolated : {}),
  ].filter((issue) => !envPaths.has(issue.path));
  const access = parsed.success
    ? accessConfigOf(parsed.data.auth, env, Object.keys(parsed.data.namespaces))
    : { access: undefined, issues: [] };
  const automaton = parsed.success
    ? automatonConfigOf(parsed.data.automaton, parsed.data.woody_server.ip)
    : undefined;
  const accessIssues = [
    ...access.issues,
    ...(automaton !== undefined && "path" in automaton ? [automaton] : []),
  ];
  const issues = sortedUniqueIssues([...envIssues, ...laterIssues, ...accessIssues]);
  if (
    issues.length > 0 ||
    !parsed.success ||
    access.access === undefined ||
    automaton === undefined ||
    "path" in automaton
  )
    throw new ConfigError(issues, source);

  const { data } = parsed;
  const traced = tracingConfigOf(data.opentelemetry, env, data.service_name);
  if (traced.issues.length > 0) throw new ConfigError(traced.issues, source);
  const config: RatchetConfig = {
    serviceName: data.service_name,
    woodyServer: data.woody_server,
    access: access.access,
    http: data.http,
    automaton,
    storage: data.storage,
    leaseDurationMs: data.lease_duration,
    leaseWarmMs: data.lease_warm,
    historyCacheBytesMax: data.history_cache_size,
    idempotencyKeyRetentionMs: data.idempotency_key_retention,
    bulkRatePerSecondMax: data.bulk_rate_per_second_max,
    limits: resolveLimits(data.limits),
    kafka: data.kafka,
    lifecyclePulse: data.lifecycle_pulse ?? null,
    logging: data.logging,
    metrics: data.metrics ?? null,
    tracing: traced.tracing,
    namespaces: Object.fromEntries(
      Object.entries(data.namespaces).map(([name, draft]) => [
        name,
        completeNamespace(name, draft, data.limits),
      ]),
    ),
    ignoredKeys,
  };
  return deepFreeze(config);
}

/** Reads and parses a configuration file; see parseConfig. */
export async function loadConfig(filePath: string, env: Environment = process.env): Promise<RatchetConfig> {
  let text: string;
  try {
    text = await readFile(filePath, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError([{ path: "", message: `cannot read the file: ${reason}` }], filePath);
  }
  return parseConfig(text, env, { source: filePath });
}

/** Sorted by path, so the problems of one section read together whichever check found them. */
function sortedUniqueIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  const unique = issues.filter((issue) => {
    const key = `${issue.path}\n${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((left, right) => (left.path < right.path ? -1 : left.path > right.path ? 1 : 0));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export type { AccessConfig, AutomatonConfig, HttpConfig } from "./access.js";
export type { Environment } from "./document.js";
export type { ConfigIssue } from "./errors.js";
export { ConfigError } from "./errors.js";
export type { EventSinkConfig } from "./event-sinks.js";
export type { IgnoredKey } from "./ignored-keys.js";
export type {
  KafkaClientConfig,
  KafkaEndpoint,
  KafkaProducerConfig,
  KafkaSaslConfig,
  KafkaSslConfig,
} from "./kafka.js";
export type { ModernizerConfig, NamespaceConfig, ProcessorEndpointConfig } from "./namespace.js";
export type { NamespaceRetries } from "./retries.js";
export type { NotificationSchedulerConfig, OverseerConfig, TimerSchedulerConfig } from "./schedulers.js";
export type {
  LifecyclePulseConfig,
  LoggingConfig,
  LogLevel,
  MetricsConfig,
  StorageConfig,
  WoodyServerConfig,
} from "./schema.js";
