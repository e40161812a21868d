/**
 * A RatchetConfig turned into a running node: the storage choice, and per namespace its woody processors
 * (`processor` and `processors.<name>`), routes, modernizer, timeouts, retry policies and limits. The one place
 * that reads configuration into createNode options.
 */
import type { RatchetConfig } from "../config/config.js";
import type { NamespaceConfig, ProcessorEndpointConfig } from "../config/namespace.js";
import type { StorageConfig } from "../config/schema.js";
import { coerceError } from "../core/errors.js";
import type { NamespaceOptions } from "../engine/namespace.js";
import type { Modernizer, Processor } from "../processors/processor.js";
import { createWoodyModernizer } from "../processors/woody-modernizer.js";
import type { WoodyEndpointOptions } from "../processors/woody-processor.js";
import { createWoodyProcessor } from "../processors/woody-processor.js";
import type { NodeOptions, RatchetNode, StorageChoice } from "./create-node.js";
import { createNode } from "./create-node.js";
import { SystemClock } from "./system-clock.js";

export interface NodeFromConfigHooks {
  readonly onError?: (error: unknown, context: object) => void;
  readonly leaseDurationMs?: number;
  readonly pollIntervalMs?: number;
}

/** Options for createNode, and the woody clients they hold (closed with the node). */
export interface ConfiguredNodeOptions {
  readonly options: NodeOptions;
  readonly clients: readonly (Processor | Modernizer)[];
}

export function storageChoiceOf(storage: StorageConfig): StorageChoice {
  switch (storage.type) {
    case "sqlite":
      return { kind: "sqlite", path: storage.path };
    case "postgres":
      return { kind: "postgres", url: storage.url, schema: storage.schema, poolSize: storage.poolSize };
  }
}

export function nodeOptionsFromConfig(
  config: RatchetConfig,
  hooks: NodeFromConfigHooks = {},
): ConfiguredNodeOptions {
  const clock = new SystemClock();
  const clients: (Processor | Modernizer)[] = [];
  const endpoint = (config: ProcessorEndpointConfig): WoodyEndpointOptions => ({
    url: config.url,
    poolSize: config.poolSize,
    keepAliveMs: config.httpKeepAliveTimeoutMs,
    nowUs: () => clock.nowUs(),
  });
  const processorOf = (config: ProcessorEndpointConfig): Processor => {
    const processor = createWoodyProcessor(endpoint(config));
    clients.push(processor);
    return processor;
  };
  const modernizerOf = (config: NamespaceConfig["modernizer"]): NamespaceOptions["modernizer"] => {
    if (config === null) return undefined;
    const processor = createWoodyModernizer(endpoint(config.handler));
    clients.push(processor);
    return { processor, currentFormatVersion: config.currentFormatVersion };
  };
  // Built once, when createNode asks: the engine is not needed by woody processors.
  const namespaces = Object.values(config.namespaces).map(
    (namespace): NamespaceOptions => namespaceOptionsOf(namespace, processorOf, modernizerOf),
  );
  const options: NodeOptions = {
    storage: storageChoiceOf(config.storage),
    namespaces: () => namespaces,
    ...(hooks.onError === undefined ? {} : { onError: hooks.onError }),
    ...(hooks.leaseDurationMs === undefined ? {} : { leaseDurationMs: hooks.leaseDurationMs }),
    ...(hooks.pollIntervalMs === undefined ? {} : { pollIntervalMs: hooks.pollIntervalMs }),
  };
  return { options, clients };
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
    limits: namespace.limits,
  };
}

/**
 * Starts a node as the configuration describes. A storage that cannot be opened (unreachable PostgreSQL, an
 * adapter not wired yet, an unwritable SQLite path) is reported as one error naming the storage.
 */
export async function createNodeFromConfig(
  config: RatchetConfig,
  hooks: NodeFromConfigHooks = {},
): Promise<RatchetNode> {
  const { options, clients } = nodeOptionsFromConfig(config, hooks);
  const closeClients = () => Promise.all(clients.map((client) => client.close?.())).then(() => {});
  let node: RatchetNode;
  try {
    node = await createNode(options);
  } catch (error) {
    await closeClients();
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
