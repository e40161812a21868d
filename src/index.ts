/**
 * Ratchet's public API: what an application that embeds Ratchet imports from "ratchet". The SDK for processors,
 * which loads no native module, is also its own subpath ("ratchet/sdk") and is re-exported here. Everything here
 * is also reachable by its module path, but only these names are promised.
 */

export type { RatchetConfig } from "./config/config.js";
export { ConfigError, loadConfig, parseConfig } from "./config/config.js";
export * from "./core/errors.js";
// The domain.
export type { Direction, HistoryRange } from "./core/history-range.js";
export { FULL_HISTORY } from "./core/history-range.js";
export type { Limits } from "./core/limits.js";
export { DEFAULT_LIMITS, ENGINE_DEFAULTS } from "./core/limits.js";
export type {
  Content,
  Event,
  MachineRecord,
  MachineStatus,
  Payload,
  RequestContext,
  Timer,
} from "./core/machine.js";
export type { Notification } from "./core/notification.js";
export type { LifecycleChange, OutboxRecord } from "./core/outbox.js";
export type { StepResult, TimerAction } from "./core/processor-result.js";
export type { RetryBackoff, RetryPolicy } from "./core/retry-policy.js";
export type { StepKind } from "./core/step.js";
export type { Clock } from "./core/time.js";
// The engine's API, as every edge sees it.
export type { EngineOptions } from "./engine/engine.js";
export { Engine } from "./engine/engine.js";
export type {
  EngineApi,
  MachineSnapshot,
  RangedRequestOptions,
  RequestOptions,
} from "./engine/engine-api.js";
export { FaultPoints } from "./engine/fault-points.js";
export type { NamespaceOptions } from "./engine/namespace.js";
// Processors in this process, and payloads as plain values.
export type { LocalHandlers } from "./processors/local-processor.js";
export { content, localProcessor, stepResult, timer } from "./processors/local-processor.js";
export type { PlainValue } from "./processors/payload.js";
export { pack, unpack } from "./processors/payload.js";
export type {
  MachineView,
  Modernizer,
  ProcessOptions,
  Processor,
  ProcessorRequest,
} from "./processors/processor.js";
// Running a node: from options, or from an MG-format configuration.
export type { NodeOptions, RatchetNode, StorageChoice } from "./runtime/create-node.js";
export { createNode } from "./runtime/create-node.js";
export type { NodeFromConfigHooks } from "./runtime/node-from-config.js";
export { createNodeFromConfig } from "./runtime/node-from-config.js";
// The SDK: processors over the HTTP-JSON protocol, or embedded.
export * from "./sdk/index.js";
export type { Sink } from "./sinks/sink.js";
export { SinkRejectedError, SinkUnavailableError } from "./sinks/sink.js";
// The ports, for adapters written outside Ratchet.
export type { MachineStore } from "./storage/machine-store.js";
export type { OperatorQueries } from "./storage/operator-queries.js";
export type { OutboxStore } from "./storage/outbox-store.js";
export type { Storage } from "./storage/storage.js";
