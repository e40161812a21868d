/**
 * The engine: validates requests, routes each to its machine's runner, and runs the scheduler, the lease keeper
 * and the group committer. It talks only to its ports (the machine store, the outbox's pending count, the
 * Processor and the Clock); the composition root picks the adapters.
 */
import type { AuditAction, AuditDraft } from "../core/audit.js";
import {
  coerceError,
  DeadlineExceededError,
  NamespaceNotFoundError,
  ShuttingDownError,
} from "../core/errors.js";
import type { Flow } from "../core/flow.js";
import { foldFlow } from "../core/flow.js";
import type { HistoryRange } from "../core/history-range.js";
import { FULL_HISTORY, validateHistoryRange } from "../core/history-range.js";
import { validateArgs, validateMachineId } from "../core/ids.js";
import type { JournalEntry } from "../core/journal.js";
import { ENGINE_DEFAULTS, ENGINE_LIMITS } from "../core/limits.js";
import { machineKey, type Payload } from "../core/machine.js";
import type { Clock } from "../core/time.js";
import { alarmAt, MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import { wakeWaiters } from "../core/wake-signal.js";
import type { AuditStore } from "../storage/audit-store.js";
import type { ClaimedMachine, ClaimedNotification, MachineStore } from "../storage/machine-store.js";
import type { OperatorQueries } from "../storage/operator-queries.js";
import type { OutboxStore } from "../storage/outbox-store.js";
import type { AuditTicket } from "./audit-ticket.js";
import { type AuditedRequest, runAudited } from "./audited-request.js";
import type {
  EngineApi,
  FlowQuery,
  MachineSnapshot,
  RangedRequestOptions,
  RequestOptions,
  StepsQuery,
} from "./engine-api.js";
import type { EngineContext } from "./engine-context.js";
import type { EngineObserver } from "./engine-observer.js";
import { FaultPoints } from "./fault-points.js";
import { GroupCommitter } from "./group-committer.js";
import { HistoryCache } from "./history-cache.js";
import { JournalPruner } from "./journal-pruner.js";
import {
  FLOW_ENTRIES_MAX,
  validateFlowQuery,
  validatePauseReason,
  validateStepsQuery,
} from "./journal-queries.js";
import { LeaseKeeper } from "./lease-keeper.js";
import { MachineRunners } from "./machine-runners.js";
import type { Namespace, NamespaceOptions } from "./namespace.js";
import { NamespaceRegistry } from "./namespace.js";
import { PendingJournal } from "./pending-journal.js";
import { PublishedWait } from "./published-wait.js";
import { readMachineSnapshot } from "./read-machine.js";
import { Scheduler } from "./scheduler.js";
import { storeNotification } from "./store-notification.js";
import { WarmRefusals } from "./warm-refusals.js";
import type { Reply, Work } from "./work.js";

export interface EngineOptions {
  /** The machine store, the journal's reads behind `steps` and `flow`, and the audit log's writes. */
  readonly storage: MachineStore &
    Pick<OperatorQueries, "listSteps" | "readJournalWindow"> &
    Pick<AuditStore, "appendAudit">;
  /** The outbox, for namespaces that answer only once their sinks have acknowledged a step. */
  readonly outbox?: Pick<OutboxStore, "outboxPending">;
  readonly clock: Clock;
  /** Uniform in [0, 1): jitter of retry intervals. */
  readonly random: () => number;
  /** A fresh unique id (notification ids). */
  readonly newId: () => string;
  /** This node's identity in leases; unique per process. */
  readonly owner: string;
  readonly namespaces: readonly NamespaceOptions[];
  /** Runs a callback after this turn's I/O (the group committer's batching window). */
  readonly defer: (callback: () => void) => void;
  /** How long a lease lives without renewal; a dead node's machines resume after this. */
  readonly leaseDurationMs?: number;
  /** Longest scheduler sleep without a wake-up. */
  readonly pollIntervalMs?: number;
  /** How long a lease stays warm after a request (ENGINE_DEFAULTS.leaseWarmMs); 0 releases at once. */
  readonly leaseWarmMs?: number;
  /** Bytes of complete histories kept in memory (ENGINE_DEFAULTS.historyCacheBytesMax). */
  readonly historyCacheBytesMax?: number;
  /** Pause between passes of the journal pruner (ENGINE_DEFAULTS.journalPruneIntervalMs). */
  readonly journalPruneIntervalMs?: number;
  /** Whether this node runs due timers and notifications and prunes the journal (a read-only node may not). */
  readonly schedulerEnabled?: boolean;
  readonly faults?: FaultPoints;
  readonly onError?: (error: unknown, context: object) => void;
  readonly onStepCommitted?: (namespace: string, kind: string) => void;
  /** Sees each step, processor call, group commit and lease takeover (logs, traces, latency histograms). */
  readonly observer?: EngineObserver;
  /** A committed step wrote outbox records for these sinks. */
  readonly onOutboxWritten?: (sinks: ReadonlySet<string>) => void;
  /**
   * An audited request ended and its audit entry was written (in its step's commit, or alone); also called when
   * writing it alone failed (onError says so), so a log line keeps the action.
   */
  readonly onAudited?: (entry: AuditDraft) => void;
}

export class Engine implements EngineApi {
  readonly #options: EngineOptions;
  readonly #namespaces: NamespaceRegistry;
  readonly #runners: MachineRunners;
  readonly #context: EngineContext;
  readonly #scheduler: Scheduler;
  readonly #leaseKeeper: LeaseKeeper;
  readonly journalPruner: JournalPruner;
  readonly committer: GroupCommitter;
  readonly historyCache: HistoryCache;
  #storageWake = new AbortController();
  readonly #publishedWait: PublishedWait | undefined;
  #unsubscribeWake: (() => void) | undefined;
  #closing = false;
  #closed: Promise<void> | undefined;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#namespaces = new NamespaceRegistry(options.namespaces);
    const { storage, clock } = options;
    const leaseDurationMs = options.leaseDurationMs ?? ENGINE_DEFAULTS.leaseDurationMs;
    const reportError = (error: unknown, context: object) => options.onError?.(coerceError(error), context);
    this.committer = new GroupCommitter(storage, {
      batchStepsMax: ENGINE_LIMITS.commitBatchStepsMax,
      queueLengthMax: ENGINE_LIMITS.commitQueueLengthMax,
      commitsInFlightMax: storage.commitsInFlightMax,
      defer: options.defer,
      ...(options.observer === undefined ? {} : { observe: observeFlushes(options.observer, clock) }),
    });
    this.historyCache = new HistoryCache(
      options.historyCacheBytesMax ?? ENGINE_DEFAULTS.historyCacheBytesMax,
    );
    this.#publishedWait = options.outbox === undefined ? undefined : new PublishedWait(options.outbox, clock);
    this.#leaseKeeper = new LeaseKeeper(storage, clock, leaseDurationMs, (error) =>
      reportError(error, { in: "lease keeper" }),
    );
    this.journalPruner = new JournalPruner(
      storage,
      clock,
      this.#namespaces.all(),
      options.journalPruneIntervalMs ?? ENGINE_DEFAULTS.journalPruneIntervalMs,
      (error) => reportError(error, { in: "journal pruner" }),
    );
    this.#scheduler = new Scheduler(storage, clock, {
      owner: options.owner,
      namespaces: this.#namespaces.names(),
      leaseDurationMs,
      claimBatchMax: ENGINE_LIMITS.schedulerClaimBatchMax,
      concurrencyMax: ENGINE_LIMITS.schedulerConcurrencyMax,
      pollIntervalMs: options.pollIntervalMs ?? ENGINE_DEFAULTS.pollIntervalMs,
      runTimer: (claim, untilUs) => this.#runClaimed(claim, untilUs, (done) => ({ kind: "timer", done })),
      runNotification: (claim, untilUs) =>
        this.#runClaimed(claim, untilUs, (done) => ({
          kind: "notification",
          notification: claim.notification,
          done,
        })),
      onError: (error) => reportError(error, { in: "scheduler" }),
    });
    this.#context = {
      storage,
      committer: this.committer,
      clock,
      random: options.random,
      owner: options.owner,
      leaseDurationMs,
      // Where storage carries no release requests (SQLite), another process on the same file waits up to this.
      leaseWarmMs: options.leaseWarmMs ?? ENGINE_DEFAULTS.leaseWarmMs,
      warmRefusals: new WarmRefusals(),
      runsScheduledWork: options.schedulerEnabled ?? true,
      faults: options.faults ?? new FaultPoints(),
      leaseKeeper: this.#leaseKeeper,
      historyCache: this.historyCache,
      pendingJournal: new PendingJournal(),
      machineQueueLengthMax: ENGINE_LIMITS.machineQueueLengthMax,
      chainedStepsMax: ENGINE_LIMITS.chainedStepsMax,
      observer: options.observer,
      timerArmed: (dueAtUs) => this.#scheduler.wake(dueAtUs),
      closing: () => this.#closing,
      stepCommitted: (namespace, kind) => options.onStepCommitted?.(namespace, kind),
      audited: (entry) => options.onAudited?.(entry),
      outboxWritten: (entries) => options.onOutboxWritten?.(new Set(entries.map((entry) => entry.sink))),
      waitForWake: (untilUs) => clock.waitUntil(untilUs, this.#storageWake.signal),
      requestRelease: (namespace, machineId) =>
        void storage
          .requestRelease?.({ namespace, machineId, requester: options.owner })
          .catch((error) => reportError(error, { namespace, machineId })),
      reportError,
    };
    this.#runners = new MachineRunners(this.#context);
    this.#unsubscribeWake = storage.onWake?.((release) => {
      if (release !== null) {
        // Every node hears every request, the requester too: its own runner must not give the lease up.
        if (release.requester !== options.owner) this.#releaseRequested(release.namespace, release.machineId);
        return;
      }
      wakeWaiters(this.#storageWake);
      this.#storageWake = new AbortController();
      this.#scheduler.wake();
    });
    this.#leaseKeeper.start();
    if (options.schedulerEnabled ?? true) {
      this.#scheduler.start();
      this.journalPruner.start();
    }
  }

  namespaces(): readonly string[] {
    return this.#namespaces.names();
  }

  async start(
    namespace: string,
    machineId: string,
    args: Payload,
    options: RequestOptions = {},
  ): Promise<void> {
    return this.#audited({ action: "start", namespace, machineId }, options, (audit) => {
      const target = this.#target(namespace, machineId);
      validateArgs(args, target.namespace.limits);
      const deadlineUs = this.#deadline(target.namespace, options);
      return this.#submit<void>(target, deadlineUs, (reply) => ({
        kind: "start",
        args,
        deadlineUs,
        ...context(options),
        ...audit,
        reply,
      }));
    });
  }

  async call(
    namespace: string,
    machineId: string,
    args: Payload,
    options: RangedRequestOptions = {},
  ): Promise<Payload> {
    return this.#ranged("call", namespace, machineId, args, options);
  }

  async repair(
    namespace: string,
    machineId: string,
    args: Payload,
    options: RangedRequestOptions = {},
  ): Promise<Payload> {
    return this.#ranged("repair", namespace, machineId, args, options);
  }

  async simpleRepair(namespace: string, machineId: string, options: RequestOptions = {}): Promise<void> {
    return this.#operator("simple_repair", "simpleRepair", namespace, machineId, options);
  }

  async remove(namespace: string, machineId: string, options: RequestOptions = {}): Promise<void> {
    return this.#operator("remove", "remove", namespace, machineId, options);
  }

  async pause(
    namespace: string,
    machineId: string,
    reason: string,
    options: RequestOptions = {},
  ): Promise<void> {
    return this.#audited({ action: "pause", namespace, machineId, detail: reason }, options, (audit) => {
      const target = this.#target(namespace, machineId);
      const why = validatePauseReason(reason);
      const deadlineUs = this.#deadline(target.namespace, options);
      return this.#submit<void>(target, deadlineUs, (reply) => ({
        kind: "pause",
        reason: why,
        deadlineUs,
        ...audit,
        reply,
      }));
    });
  }

  async resume(namespace: string, machineId: string, options: RequestOptions = {}): Promise<void> {
    return this.#operator("resume", "resume", namespace, machineId, options);
  }

  async retryNow(namespace: string, machineId: string, options: RequestOptions = {}): Promise<void> {
    return this.#operator("retry_now", "retryNow", namespace, machineId, options);
  }

  async steps(namespace: string, machineId: string, query: StepsQuery = {}): Promise<JournalEntry[]> {
    const target = this.#target(namespace, machineId);
    const page = validateStepsQuery(query);
    return this.#options.storage.listSteps(namespace, target.machineId, page);
  }

  async flow(namespace: string, query: FlowQuery = {}): Promise<Flow> {
    const resolved = this.#namespaces.get(namespace);
    const window = validateFlowQuery(query, this.#options.clock.nowUs());
    const limit = FLOW_ENTRIES_MAX;
    const entries = await this.#options.storage.readJournalWindow(namespace, { ...window, limit: limit + 1 });
    return foldFlow({
      namespace,
      ...window,
      entries: entries.slice(0, limit),
      truncated: entries.length > limit,
      declared: resolved.flow,
    });
  }

  async get(
    namespace: string,
    machineId: string,
    range: HistoryRange = FULL_HISTORY,
  ): Promise<MachineSnapshot> {
    const target = this.#target(namespace, machineId);
    return readMachineSnapshot(this.#options.storage, {
      namespace,
      machineId: target.machineId,
      range: validateHistoryRange(range),
      limits: target.namespace.limits,
    });
  }

  /**
   * Another node wants the machine: no runner here keeps it warm for a warm time (so this node's later requests
   * give it up with their steps and the other node gets in between), and a warm lease held now goes at once.
   */
  #releaseRequested(namespace: string, machineId: string): void {
    const runner = this.#runners.existing(namespace, machineId);
    if (runner !== undefined) {
      runner.releaseRequested();
      return;
    }
    // No runner here now: the refusal keeps one made for a request arriving soon from keeping the lease warm.
    const { leaseWarmMs, warmRefusals, clock } = this.#context;
    warmRefusals.refuse(
      machineKey(namespace, machineId),
      clock.nowUs(),
      leaseWarmMs * MICROSECONDS_PER_MILLISECOND,
    );
  }

  async notify(
    namespace: string,
    machineId: string,
    args: Payload,
    options: RangedRequestOptions = {},
  ): Promise<string> {
    // A notification is no step: an audited one's entry is written alone, once it is stored.
    return this.#audited({ action: "notify", namespace, machineId }, options, async () => {
      const target = this.#target(namespace, machineId);
      validateArgs(args, target.namespace.limits);
      const range = validateHistoryRange(options.range ?? FULL_HISTORY);
      this.#refuseWhenClosing();
      const nowUs = this.#options.clock.nowUs();
      const id = await storeNotification(this.#options.storage, {
        notification: { namespace, id: this.#options.newId(), machineId, args, range, createdAtUs: nowUs },
        ...context(options),
      });
      this.#runners.existing(namespace, machineId)?.notificationArrived();
      // A node holding the machine warm gives it up for the schedulers to claim the notification.
      this.#context.requestRelease(namespace, machineId);
      this.#scheduler.wake(nowUs);
      return id;
    });
  }

  async modernize(
    namespace: string,
    machineId: string,
    range: HistoryRange = FULL_HISTORY,
    options: RequestOptions = {},
  ): Promise<number> {
    return this.#audited({ action: "modernize", namespace, machineId }, options, (audit) => {
      const target = this.#target(namespace, machineId);
      // MG answers NamespaceNotFound when the namespace has no modernizer; so do we.
      if (target.namespace.modernizer === undefined) throw new NamespaceNotFoundError(namespace);
      const historyRange = validateHistoryRange(range);
      const deadlineUs = this.#deadline(target.namespace, options);
      return this.#submit<number>(target, deadlineUs, (reply) => ({
        kind: "modernize",
        range: historyRange,
        deadlineUs,
        ...context(options),
        ...audit,
        reply,
      }));
    });
  }

  /** A relay of this node deleted published records: callers waiting for their sinks look again now. */
  outboxPublished(): void {
    this.#publishedWait?.published();
  }

  /**
   * Stops taking work, lets running steps finish (up to `drainTimeoutMs`), and releases this node's leases. A
   * second call waits for the first (a node closed while it drains closes its storage only after the drain).
   */
  close(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    this.#closed ??= this.#close(options);
    return this.#closed;
  }

  async #close(options: { drainTimeoutMs?: number }): Promise<void> {
    this.#closing = true;
    this.#unsubscribeWake?.();
    await Promise.all([this.#scheduler.stop(), this.journalPruner.stop()]);
    const { clock } = this.#options;
    const drainTimeoutMs = options.drainTimeoutMs ?? ENGINE_DEFAULTS.drainTimeoutMs;
    const drained = this.#runners.closing();
    await clock.waitUntil(clock.nowUs() + drainTimeoutMs * MICROSECONDS_PER_MILLISECOND, drained);
    await this.#leaseKeeper.stop();
    this.#storageWake.abort();
  }

  /** Counters for metrics and benchmarks. */
  stats() {
    return {
      runners: this.#runners.size,
      scheduledInFlight: this.#scheduler.inFlight,
      commitFlushes: this.committer.stats.flushes,
      committedSteps: this.committer.stats.steps,
      historyCacheBytes: this.historyCache.bytes,
      historyCacheEntries: this.historyCache.entries,
    };
  }

  #ranged(
    kind: "call" | "repair",
    namespace: string,
    machineId: string,
    args: Payload,
    options: RangedRequestOptions,
  ): Promise<Payload> {
    return this.#audited({ action: kind, namespace, machineId }, options, (audit) => {
      const target = this.#target(namespace, machineId);
      validateArgs(args, target.namespace.limits);
      const range = validateHistoryRange(options.range ?? FULL_HISTORY);
      const deadlineUs = this.#deadline(target.namespace, options);
      return this.#submit<Payload>(target, deadlineUs, (reply) => ({
        kind,
        args,
        range,
        deadlineUs,
        ...context(options),
        ...audit,
        reply,
      }));
    });
  }

  /** An operator's step that takes no arguments and calls no processor. */
  #operator(
    action: AuditAction,
    kind: "simpleRepair" | "remove" | "resume" | "retryNow",
    namespace: string,
    machineId: string,
    options: RequestOptions,
  ): Promise<void> {
    return this.#audited({ action, namespace, machineId }, options, (audit) => {
      const target = this.#target(namespace, machineId);
      const deadlineUs = this.#deadline(target.namespace, options);
      return this.#submit<void>(target, deadlineUs, (reply) => ({ kind, deadlineUs, ...audit, reply }));
    });
  }

  /** Runs a request, audited when it names an actor (audited-request.ts). */
  #audited<T>(
    request: AuditedRequest,
    options: RequestOptions,
    run: (audit: { audit?: AuditTicket }) => Promise<T>,
  ): Promise<T> {
    const { storage, clock } = this.#options;
    return runAudited({ storage, clock, context: this.#context }, request, options, run);
  }

  #target(namespace: string, machineId: string): { namespace: Namespace; machineId: string } {
    const resolved = this.#namespaces.get(namespace);
    return { namespace: resolved, machineId: validateMachineId(machineId, resolved.limits) };
  }

  #deadline(namespace: Namespace, options: RequestOptions): number {
    return (
      options.deadlineUs ??
      this.#options.clock.nowUs() + namespace.defaultProcessingTimeoutMs * MICROSECONDS_PER_MILLISECOND
    );
  }

  #refuseWhenClosing(): void {
    if (this.#closing) throw new ShuttingDownError();
  }

  /**
   * Queues a request on its machine and answers when its step is committed (or, for a namespace that replies
   * after the sinks' acknowledgement, published) or its deadline passes.
   */
  async #submit<T>(
    target: { namespace: Namespace; machineId: string },
    deadlineUs: number,
    build: (reply: Reply<T>) => Work,
  ): Promise<T> {
    const answer = await this.#submitToRunner(target, deadlineUs, build);
    const { namespace, machineId } = target;
    const sinks = [...namespace.eventSinks, ...namespace.lifecycleSinks];
    if (namespace.replyAfter === "sink_ack" && sinks.length > 0) {
      await this.#publishedWait?.untilPublished({ sinks, namespace: namespace.name, machineId }, deadlineUs);
    }
    return answer;
  }

  #submitToRunner<T>(
    target: { namespace: Namespace; machineId: string },
    deadlineUs: number,
    build: (reply: Reply<T>) => Work,
  ): Promise<T> {
    this.#refuseWhenClosing();
    const answered = new Promise<T>((resolve, reject) => {
      this.#runners.of(target.namespace, target.machineId).enqueue(build({ resolve, reject }));
    });
    // The step may still complete after the deadline: the caller learns its result is unknown. An alarm, not an
    // AbortController and its listeners: this runs for every request.
    let cancelDeadline = () => {};
    const timedOut = new Promise<never>((_, reject) => {
      cancelDeadline = alarmAt(this.#options.clock, deadlineUs, () =>
        reject(new DeadlineExceededError("the request's deadline passed before its step committed")),
      );
    });
    return Promise.race([answered, timedOut]).finally(cancelDeadline);
  }

  /** Runs claimed work on its machine's runner; the promise settles when the step is done. */
  #runClaimed(
    claim: ClaimedMachine | ClaimedNotification,
    untilUs: number,
    build: (done: () => void) => Work,
  ): Promise<void> {
    return new Promise<void>((resolve) => {
      let namespace: Namespace;
      try {
        namespace = this.#namespaces.get(claim.record.namespace);
      } catch (error) {
        // Claims name only this node's namespaces, so this is a storage that ignored them: give the lease back.
        void this.#options.storage.releaseLease(claim.lease).catch(() => undefined);
        this.#context.reportError(error, claim.lease);
        resolve();
        return;
      }
      if (claim.takenOverFrom !== undefined) {
        this.#options.observer?.leaseTakenOver({
          namespace: namespace.name,
          machineId: claim.record.id,
          previousOwner: claim.takenOverFrom,
        });
      }
      const runner = this.#runners.of(namespace, claim.record.id);
      runner.runClaimed({ lease: claim.lease, record: claim.record, untilUs }, build(resolve));
    });
  }
}

function observeFlushes(observer: EngineObserver, clock: Clock) {
  return {
    nowUs: () => clock.nowUs(),
    flushed: (flush: Parameters<EngineObserver["commitFlushed"]>[0]) => observer.commitFlushed(flush),
  };
}

/** The request's context and idempotency key, as a work item carries them. */
function context(options: RequestOptions): Pick<RequestOptions, "context" | "idempotency"> {
  return {
    ...(options.context === undefined ? {} : { context: options.context }),
    ...(options.idempotency === undefined ? {} : { idempotency: options.idempotency }),
  };
}
