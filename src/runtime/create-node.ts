/**
 * The composition root: the one place that picks the storage adapter and wires the real clock, randomness and
 * ids into an engine. Everything that runs a node (the CLI, tests of whole nodes, embedding code) starts here.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { AuditDraft } from "../core/audit.js";
import { BULK_DEFAULTS, ENGINE_DEFAULTS, IDEMPOTENCY_DEFAULTS, RELAY_DEFAULTS } from "../core/limits.js";
import { BulkRunner } from "../engine/bulk/bulk-runner.js";
import { Engine } from "../engine/engine.js";
import type { EngineObserver } from "../engine/engine-observer.js";
import type { FaultPoints } from "../engine/fault-points.js";
import type { NamespaceOptions } from "../engine/namespace.js";
import type { OutboxRelayOptions } from "../sinks/outbox-relay.js";
import { OutboxRelay } from "../sinks/outbox-relay.js";
import type { Sink } from "../sinks/sink.js";
import { SqliteStorage } from "../storage/sqlite/sqlite-storage.js";
import type { Storage } from "../storage/storage.js";
import { auditLogLine } from "./audit-log-line.js";
import { EngineObservers } from "./engine-observers.js";
import { startIdempotencyPruner } from "./idempotency-pruner.js";
import { SystemClock } from "./system-clock.js";

export type StorageChoice =
  | { readonly kind: "sqlite"; readonly path: string; readonly synchronous?: "full" | "normal" }
  | {
      readonly kind: "postgres";
      readonly url: string;
      readonly schema?: string;
      readonly poolSize?: number;
      readonly migrate?: boolean;
    };

export async function openStorage(
  choice: StorageChoice,
  clock: SystemClock,
  leaseDurationMs?: number,
): Promise<Storage> {
  switch (choice.kind) {
    case "sqlite":
      return new SqliteStorage({
        path: choice.path,
        nowUs: () => clock.nowUs(),
        ...(choice.synchronous ? { synchronous: choice.synchronous } : {}),
      });
    case "postgres": {
      // Loaded on demand, so the embedded default needs no PostgreSQL driver at start.
      const { openPostgresStorage } = await import("./open-postgres.js");
      return openPostgresStorage(
        leaseDurationMs === undefined ? choice : { ...choice, leaseDurationMs },
        clock,
      );
    }
  }
}

export interface NodeOptions {
  readonly storage: StorageChoice;
  /** Namespaces, given the engine they run in (a local processor may call it, as the demo's sessions do). */
  readonly namespaces: (engine: () => Engine) => NamespaceOptions[];
  readonly leaseDurationMs?: number;
  /** How long a lease stays warm after a request (ENGINE_DEFAULTS.leaseWarmMs; PostgreSQL only). */
  readonly leaseWarmMs?: number;
  readonly pollIntervalMs?: number;
  /** Whether this node runs due timers and notifications; a node that only serves requests may not. */
  readonly schedulerEnabled?: boolean;
  readonly faults?: FaultPoints;
  readonly onError?: (error: unknown, context: object) => void;
  /** Where an audited operator action's log line goes (one line, `audit {json}`); not logged when absent. */
  readonly onAuditLine?: (line: string) => void;
  /** Sinks by name, each published to by its outbox relay; namespaces name them in eventSinks/lifecycleSinks. */
  readonly sinks?: readonly Sink[];
  /**
   * Relay settings; the defaults (RELAY_DEFAULTS) suit a cluster. `continuationPolicies` (by namespace) apply to
   * every relay, since a sink may carry several namespaces' records (lifecycle_pulse carries them all).
   */
  readonly relay?: Partial<
    Pick<
      OutboxRelayOptions,
      "batchRecordsMax" | "pollIntervalMs" | "backoffMsMin" | "backoffMsMax" | "continuationPolicies"
    >
  >;
  /** Bytes of complete histories the engine keeps in memory (ENGINE_DEFAULTS.historyCacheBytesMax). */
  readonly historyCacheBytesMax?: number;
  /** How long idempotency keys are kept (IDEMPOTENCY_DEFAULTS.retentionMs); pruned by a node with a scheduler. */
  readonly idempotencyKeyRetentionMs?: number;
  /** What watches the engine from its first step (step logs, traces); more can be added to `node.observers`. */
  readonly observers?: readonly EngineObserver[];
  /** The bulk runner's settings (BULK_DEFAULTS); a node with a scheduler drives bulk runs. */
  readonly bulk?: {
    readonly leaseDurationMs?: number;
    readonly pollIntervalMs?: number;
    readonly runsMax?: number;
  };
}

export interface RatchetNode {
  readonly engine: Engine;
  readonly storage: Storage;
  readonly clock: SystemClock;
  readonly owner: string;
  readonly relays: readonly OutboxRelay[];
  /** The engine's observers (logs, traces, the latency histograms of createNodeMetrics). */
  readonly observers: EngineObservers;
  /**
   * Stops taking work: the scheduler stops claiming, new requests are refused (ShuttingDownError), and the steps
   * in flight finish (up to `drainTimeoutMs`). Relays and storage keep running, so requests still being answered
   * can read; `close()` after it closes the rest.
   */
  drain(options?: { drainTimeoutMs?: number }): Promise<void>;
  /** Drives bulk runs; null on a node without a scheduler. */
  readonly bulkRunner: BulkRunner | null;
  /** Drains (when not done yet), then stops the relays, closes the sinks and the storage. */
  close(options?: { drainTimeoutMs?: number }): Promise<void>;
}

export async function createNode(options: NodeOptions): Promise<RatchetNode> {
  const clock = new SystemClock();
  const leaseDurationMs = options.leaseDurationMs ?? ENGINE_DEFAULTS.leaseDurationMs;
  const storage = await openStorage(options.storage, clock, leaseDurationMs);
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const reportError = (error: unknown, context: object) => options.onError?.(error, context);
  let engine: Engine | undefined;
  const observers = new EngineObservers();
  for (const observer of options.observers ?? []) observers.add(observer);
  const relays = (options.sinks ?? []).map(
    (sink) =>
      new OutboxRelay(storage, sink, clock, {
        ...RELAY_DEFAULTS,
        ...options.relay,
        owner,
        leaseDurationMs,
        random: Math.random,
        onError: (error) => reportError(error, { in: `relay ${sink.name}` }),
        onPublished: () => engine?.outboxPublished(),
      }),
  );
  const relayOf = new Map(relays.map((relay) => [relay.sink.name, relay]));
  const engineRef = () => {
    if (engine === undefined) throw new Error("the engine is not started yet");
    return engine;
  };
  try {
    engine = new Engine({
      storage,
      outbox: storage,
      clock,
      random: Math.random,
      newId: randomUUID,
      owner,
      namespaces: options.namespaces(engineRef),
      defer: setImmediate,
      leaseDurationMs,
      ...(options.leaseWarmMs === undefined ? {} : { leaseWarmMs: options.leaseWarmMs }),
      ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
      ...(options.schedulerEnabled === undefined ? {} : { schedulerEnabled: options.schedulerEnabled }),
      ...(options.faults === undefined ? {} : { faults: options.faults }),
      ...(options.historyCacheBytesMax === undefined
        ? {}
        : { historyCacheBytesMax: options.historyCacheBytesMax }),
      onError: reportError,
      observer: observers,
      onAudited: (entry: AuditDraft) => options.onAuditLine?.(auditLogLine(entry)),
      onOutboxWritten: (sinks) => {
        for (const name of sinks) relayOf.get(name)?.wake();
      },
    });
  } catch (error) {
    await storage.close();
    throw error;
  }
  for (const relay of relays) relay.start();
  const pruner =
    options.schedulerEnabled === false
      ? undefined
      : startIdempotencyPruner(storage, {
          retentionMs: options.idempotencyKeyRetentionMs ?? IDEMPOTENCY_DEFAULTS.retentionMs,
          nowUs: () => clock.nowUs(),
          onError: (error) => reportError(error, { in: "idempotency key pruner" }),
        });
  const running = engine;
  const bulkRunner =
    options.schedulerEnabled === false
      ? null
      : startBulkRunner({ engine: running, storage, clock, owner }, options);
  return {
    engine: running,
    storage,
    clock,
    owner,
    relays,
    observers,
    drain: async (drainOptions) => {
      // A draining node starts no bulk action: each would be refused as shutting down and recorded as failed.
      await bulkRunner?.stop();
      await running.close(drainOptions);
    },
    bulkRunner,
    async close(closeOptions) {
      // Before the engine: a run finishes the machine it is acting on and is released for any node to take.
      await bulkRunner?.stop();
      await running.close(closeOptions);
      await pruner?.stop();
      await Promise.all(relays.map((relay) => relay.stop()));
      await Promise.all(
        relays.map((relay) => relay.sink.close().catch((error) => reportError(error, { in: "sink close" }))),
      );
      await storage.close();
    },
  };
}

function startBulkRunner(
  node: { engine: Engine; storage: Storage; clock: SystemClock; owner: string },
  options: NodeOptions,
): BulkRunner {
  const runner = new BulkRunner({
    engine: node.engine,
    store: node.storage.bulkRuns,
    queries: node.storage,
    clock: node.clock,
    owner: node.owner,
    namespaces: node.engine.namespaces(),
    leaseDurationMs: options.bulk?.leaseDurationMs ?? BULK_DEFAULTS.leaseDurationMs,
    pollIntervalMs: options.bulk?.pollIntervalMs ?? BULK_DEFAULTS.pollIntervalMs,
    runsMax: options.bulk?.runsMax ?? BULK_DEFAULTS.runsPerNodeMax,
    pageMachines: BULK_DEFAULTS.selectionPageMachines,
    onError: (error, context) => options.onError?.(error, context),
  });
  runner.start();
  return runner;
}
