/**
 * A RatchetConfig turned into a running node: the storage choice, the lease duration, the sinks
 * (sinks-from-config.ts) and the relays' continuation policies, and per namespace its processors (`processor`
 * and `processors.<name>`, over woody or HTTP-JSON), routes, named steps, modernizer, timeouts, retry policies,
 * journal, declared flow, limits and the sinks its steps write outbox records for. The one place that reads
 * configuration into createNode options.
 */

import { readFileSync } from "node:fs";
import type { RatchetConfig } from "../config/config.js";
import type { ConfigIssue } from "../config/errors.js";
import { ConfigError } from "../config/errors.js";
import type {
  EndpointTlsConfig,
  NamedStepConfig,
  NamespaceConfig,
  ProcessorEndpointConfig,
} from "../config/namespace.js";
import { DEFAULT_ROUTE } from "../config/namespace.js";
import type { StorageConfig } from "../config/schema.js";
import { coerceError } from "../core/errors.js";
import type { RetryPolicy } from "../core/retry-policy.js";
import type { EngineObserver } from "../engine/engine-observer.js";
import type { NamespaceOptions, StepOptions } from "../engine/namespace.js";
import { DEFAULT_PROCESSOR } from "../engine/namespace.js";
import { createHttpJsonProcessor } from "../http/processor-protocol/http-json-processor.js";
import { createWoodyModernizer } from "../mg/processor/woody-modernizer.js";
import type { WoodyEndpointOptions } from "../mg/processor/woody-processor.js";
import { createWoodyProcessor } from "../mg/processor/woody-processor.js";
import type { WoodyTlsOptions } from "../mg/woody/client.js";
import type { Modernizer, Processor } from "../processors/processor.js";
import type { Sink } from "../sinks/sink.js";
import type { NodeOptions, RatchetNode, StorageChoice } from "./create-node.js";
import { createNode } from "./create-node.js";
import {
  createSinks,
  namespaceSinksOf,
  type SinkPlan,
  sinkPlansOf,
  unappliedKafkaSettings,
} from "./sinks-from-config.js";
import { SystemClock } from "./system-clock.js";

export interface NodeFromConfigHooks {
  readonly onError?: (error: unknown, context: object) => void;
  /** Each audited operator action's log line. */
  readonly onAuditLine?: (line: string) => void;
  /** Overrides the configuration's `lease_duration`. */
  readonly leaseDurationMs?: number;
  readonly pollIntervalMs?: number;
  /** Whether the node runs due timers and notifications (default true); the CLI's one-off nodes do not. */
  readonly schedulerEnabled?: boolean;
  /**
   * Whether the node publishes its sinks (default true). Without relays its steps still write their outbox
   * records, and a node that runs relays publishes them: the CLI's one-off nodes open no broker connection.
   * Such a node answers its callers once a step is committed even where `reply_after: sink_ack` says
   * otherwise: the acknowledgement would depend on another node's relay, or never come if none runs.
   */
  readonly relaysEnabled?: boolean;
  /** PostgreSQL: apply pending migrations at start (default true); false refuses an outdated schema. */
  readonly migrate?: boolean;
  /** What watches the engine from its first step: step logs, traces. */
  readonly observers?: readonly EngineObserver[];
}

/** Options for createNode, and the processor clients and sinks they hold (closed with the node). */
export interface ConfiguredNodeOptions {
  readonly options: NodeOptions;
  readonly clients: readonly (Processor | Modernizer)[];
  readonly sinks: readonly Sink[];
}

export function storageChoiceOf(storage: StorageConfig, options: { migrate?: boolean } = {}): StorageChoice {
  switch (storage.type) {
    case "sqlite":
      return { kind: "sqlite", path: storage.path };
    case "postgres":
      return {
        kind: "postgres",
        url: storage.url,
        schema: storage.schema,
        poolSize: storage.poolSize,
        ...(options.migrate === undefined ? {} : { migrate: options.migrate }),
      };
  }
}

export function nodeOptionsFromConfig(
  config: RatchetConfig,
  hooks: NodeFromConfigHooks = {},
): ConfiguredNodeOptions {
  // Sinks first: a missing TLS or SASL file is a ConfigError before any processor client exists.
  const plans = sinkPlansOf(config);
  const sinks = hooks.relaysEnabled === false ? [] : createSinks(config, plans);
  const clock = new SystemClock();
  const clients: (Processor | Modernizer)[] = [];
  const tlsOf = endpointTlsReader();
  const endpoint = (config: ProcessorEndpointConfig): WoodyEndpointOptions => ({
    url: config.url,
    poolSize: config.poolSize,
    keepAliveMs: config.httpKeepAliveTimeoutMs,
    ...(config.tls === null ? {} : { tls: tlsOf(config.url, config.tls) }),
    nowUs: () => clock.nowUs(),
  });
  const processorOf = (config: ProcessorEndpointConfig): Processor => {
    const processor =
      config.protocol === "http-json"
        ? createHttpJsonProcessor(endpoint(config))
        : createWoodyProcessor(endpoint(config));
    clients.push(processor);
    return processor;
  };
  const modernizerOf = (config: NamespaceConfig["modernizer"]): NamespaceOptions["modernizer"] => {
    if (config === null) return undefined;
    const processor = createWoodyModernizer(endpoint(config.handler));
    clients.push(processor);
    return { processor, currentFormatVersion: config.currentFormatVersion };
  };
  // Built once, when createNode asks: the engine is not needed by remote processors.
  const namespaces = Object.values(config.namespaces).map(
    (namespace): NamespaceOptions => ({
      ...namespaceOptionsOf(namespace, processorOf, modernizerOf),
      ...namespaceSinksOf(plans, namespace.name),
      replyAfter: hooks.relaysEnabled === false ? "commit" : namespace.replyAfter,
    }),
  );
  try {
    tlsOf.throwIfUnreadable();
  } catch (error) {
    for (const client of clients) void client.close?.();
    throw error;
  }
  const options: NodeOptions = {
    storage: storageChoiceOf(config.storage, hooks.migrate === undefined ? {} : { migrate: hooks.migrate }),
    namespaces: () => namespaces,
    sinks,
    ...(hooks.onError === undefined ? {} : { onError: hooks.onError }),
    ...(hooks.observers === undefined ? {} : { observers: hooks.observers }),
    ...(hooks.onAuditLine === undefined ? {} : { onAuditLine: hooks.onAuditLine }),
    leaseDurationMs: hooks.leaseDurationMs ?? config.leaseDurationMs,
    leaseWarmMs: config.leaseWarmMs,
    relay: { continuationPolicies: continuationPoliciesOf(config) },
    historyCacheBytesMax: config.historyCacheBytesMax,
    idempotencyKeyRetentionMs: config.idempotencyKeyRetentionMs,
    ...(hooks.pollIntervalMs === undefined ? {} : { pollIntervalMs: hooks.pollIntervalMs }),
    ...(hooks.schedulerEnabled === undefined ? {} : { schedulerEnabled: hooks.schedulerEnabled }),
  };
  return { options, clients, sinks };
}

/**
 * Reads the PEM files of the endpoints' `tls` settings once each; a file that cannot be read is a ConfigError at
 * start (naming the endpoint), not a failing step later.
 */
function endpointTlsReader() {
  const issues: ConfigIssue[] = [];
  const files = new Map<string, string>();
  const read = (url: string, file: string, key: string): string => {
    const cached = files.get(file);
    if (cached !== undefined) return cached;
    try {
      const text = readFileSync(file, "utf8");
      files.set(file, text);
      return text;
    } catch (error) {
      issues.push({
        path: `processor ${url} tls.${key}`,
        message: `cannot read ${file}: ${coerceError(error).message}`,
      });
      return "";
    }
  };
  const tlsOf = (url: string, tls: EndpointTlsConfig): WoodyTlsOptions => ({
    ...(tls.caFile === undefined ? {} : { ca: read(url, tls.caFile, "ca_file") }),
    ...(tls.certFile === undefined ? {} : { cert: read(url, tls.certFile, "cert_file") }),
    ...(tls.keyFile === undefined ? {} : { key: read(url, tls.keyFile, "key_file") }),
  });
  return Object.assign(tlsOf, {
    throwIfUnreadable(): void {
      if (issues.length > 0) throw new ConfigError(issues);
    },
  });
}

function namespaceOptionsOf(
  namespace: NamespaceConfig,
  processorOf: (config: ProcessorEndpointConfig) => Processor,
  modernizerOf: (config: NamespaceConfig["modernizer"]) => NamespaceOptions["modernizer"],
): NamespaceOptions {
  const processors = Object.fromEntries(
    Object.entries(namespace.processors).map(([name, endpoint]) => [name, processorOf(endpoint)]),
  );
  const modernizer = modernizerOf(namespace.modernizer);
  return {
    name: namespace.name,
    processor: processorOf(namespace.processor),
    processors,
    routes: namespace.routes,
    ...(modernizer === undefined ? {} : { modernizer }),
    defaultProcessingTimeoutMs: namespace.defaultProcessingTimeoutMs,
    timerProcessingTimeoutMs: namespace.timerProcessingTimeoutMs,
    notificationProcessingTimeoutMs: namespace.notificationProcessingTimeoutMs,
    timerRetryPolicy: namespace.retries.timers,
    notificationRetryPolicy: namespace.retries.notifications,
    storageRetryPolicy: namespace.retries.storage,
    steps: Object.fromEntries(
      Object.entries(namespace.steps).map(([name, step]) => [name, stepOptionsOf(step)]),
    ),
    journal: namespace.journal,
    ...(namespace.flow === null ? {} : { flow: namespace.flow }),
    limits: namespace.limits,
  };
}

/** A named step's settings as the engine names them; `processor` (the namespace's own) is its default processor. */
function stepOptionsOf(step: NamedStepConfig): StepOptions {
  const processor = step.processor === DEFAULT_ROUTE ? DEFAULT_PROCESSOR : step.processor;
  return {
    ...(processor === null ? {} : { processor }),
    ...(step.timeoutMs === null ? {} : { timeoutMs: step.timeoutMs }),
    ...(step.retry === null ? {} : { retryPolicy: step.retry }),
  };
}

/** `retries.continuation` of the namespaces that set one; the others keep the relay's own backoff. */
function continuationPoliciesOf(config: RatchetConfig): ReadonlyMap<string, RetryPolicy> {
  const policies = new Map<string, RetryPolicy>();
  for (const namespace of Object.values(config.namespaces)) {
    if (namespace.retries.continuation !== null) policies.set(namespace.name, namespace.retries.continuation);
  }
  return policies;
}

/**
 * Starts a node as the configuration describes. A storage that cannot be opened (unreachable PostgreSQL, an
 * adapter not wired yet, an unwritable SQLite path) is reported as one error naming the storage.
 */
export async function createNodeFromConfig(
  config: RatchetConfig,
  hooks: NodeFromConfigHooks = {},
): Promise<RatchetNode> {
  const { options, clients, sinks } = nodeOptionsFromConfig(config, hooks);
  const closeClients = () => Promise.all(clients.map((client) => client.close?.())).then(() => {});
  let node: RatchetNode;
  try {
    node = await createNode(options);
  } catch (error) {
    // The node closes its sinks; one that never started has not, though none has connected yet.
    await Promise.all([closeClients(), ...sinks.map((sink) => sink.close())]);
    const cause = coerceError(error);
    throw new Error(`cannot start a node on the ${describeStorage(config.storage)}: ${cause.message}`, {
      cause,
    });
  }
  return {
    ...node,
    async close(closeOptions) {
      try {
        await node.close(closeOptions);
      } finally {
        await closeClients();
      }
    },
  };
}

/** The storage as an operator would name it, without a password. */
export function describeStorage(storage: StorageConfig): string {
  if (storage.type === "sqlite") return `SQLite database at ${storage.path}`;
  const url = new URL(storage.url);
  if (url.password !== "") url.password = "***";
  return `PostgreSQL database at ${url.toString()} (schema ${storage.schema})`;
}

/**
 * Settings this build parses but does not act on, one line each, so an operator is not surprised by their
 * silence (`ratchet serve` prints them as warnings).
 */
export function unappliedSettings(
  config: RatchetConfig,
  plans: readonly SinkPlan[] = sinkPlansOf(config),
): string[] {
  const lines = unappliedKafkaSettings(config, plans);
  if (config.metrics !== null) {
    lines.push("metrics.port is not applied: metrics are served at /metrics on the woody_server port");
  }
  return lines;
}
