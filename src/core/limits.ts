/**
 * Every limit the engine enforces, with its unit and default, in one place. A namespace may override them
 * within the bounds below; crossing one yields LimitExceededError (or a failed machine when the processor did).
 */
import assert from "node:assert/strict";

export interface Limits {
  /** Bytes of a machine id, UTF-8 (MG accepts 1–1024). */
  readonly machineIdBytesMax: number;
  /** Bytes of one event body. */
  readonly eventBytesMax: number;
  /** Bytes of the aux state. */
  readonly auxStateBytesMax: number;
  /** Bytes of arguments to start, call, repair and notify. */
  readonly argsBytesMax: number;
  /** Bytes of one step: its events, aux state and response together. */
  readonly stepBytesMax: number;
  /** Events one step may append. */
  readonly stepEventsMax: number;
  /** Events one read may return; a read asking for more is refused (LimitExceededError): give it a limit. */
  readonly historyPageEventsMax: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  machineIdBytesMax: 1024,
  eventBytesMax: 1024 * 1024,
  auxStateBytesMax: 1024 * 1024,
  argsBytesMax: 1024 * 1024,
  stepBytesMax: 16 * 1024 * 1024,
  stepEventsMax: 10_000,
  historyPageEventsMax: 100_000,
});

/** Hard ceilings no configuration may pass: far above any real processor, below what breaks storage. */
const LIMIT_CEILINGS: Limits = Object.freeze({
  machineIdBytesMax: 1024,
  eventBytesMax: 64 * 1024 * 1024,
  auxStateBytesMax: 64 * 1024 * 1024,
  argsBytesMax: 64 * 1024 * 1024,
  stepBytesMax: 256 * 1024 * 1024,
  stepEventsMax: 1_000_000,
  historyPageEventsMax: 10_000_000,
});

/** Why a value is not allowed for a limit, or null when it is. */
export function limitProblem(name: keyof Limits, value: number): string | null {
  if (!(Number.isSafeInteger(value) && value > 0)) return "must be a positive whole number";
  if (value > LIMIT_CEILINGS[name]) return `must be at most ${LIMIT_CEILINGS[name]}`;
  return null;
}

export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const key of Object.keys(LIMIT_CEILINGS) as (keyof Limits)[]) {
    const problem = limitProblem(key, limits[key]);
    assert.equal(problem, null, `limit ${key} ${problem}`);
  }
  return Object.freeze(limits);
}

/** Engine-wide bounds on queues and batches. */
export const ENGINE_LIMITS = Object.freeze({
  /** Requests waiting for one machine before new ones are refused with OverloadedError. */
  machineQueueLengthMax: 1000,
  /** Steps gathered into one storage transaction by the group committer. */
  commitBatchStepsMax: 256,
  /** Steps waiting for the group committer before new ones are refused. */
  commitQueueLengthMax: 20_000,
  /** Machines claimed by one scheduler scan. */
  schedulerClaimBatchMax: 64,
  /** Steps the scheduler runs at once on one node. */
  schedulerConcurrencyMax: 256,
  /** Chained zero-delay timers one lease holder runs before yielding the machine to the scheduler. */
  chainedStepsMax: 10_000,
});

/**
 * A cached event costs its payload bytes and about this much for the objects around them (the event, its
 * Uint8Array and, for a payload above 64 bytes, its ArrayBuffer off the heap, its slot in the history's array); a
 * cached history costs this much besides its events (its entry, its key, the Map's slot, the array). Measured on
 * Node 20 with V8's heap and array-buffer counters after a full GC, 50,000 histories of 1 and of 10 events of 70
 * bytes: 319 bytes per event and ~324 per history (payloads of 64 bytes or less live on the heap and take ~160).
 */
export const CACHED_EVENT_OVERHEAD_BYTES = 250;
export const CACHED_HISTORY_OVERHEAD_BYTES = 350;

/** The engine's defaults a node's configuration may change, each with its unit last. */
export const ENGINE_DEFAULTS = Object.freeze({
  /** How long a lease lives without renewal; a dead node's machines resume after this. */
  leaseDurationMs: 30_000,
  /** Longest scheduler sleep without a wake-up: bounds how late work is found if a wake-up was missed. */
  pollIntervalMs: 1000,
  /** How long closing lets running steps finish before the leases are given up. */
  drainTimeoutMs: 5000,
  /** Bytes of complete histories kept in memory per node (payloads and their overheads, see CACHED_*_OVERHEAD_BYTES). */
  historyCacheBytesMax: 64 * 1024 * 1024,
  /**
   * How long a machine's lease is kept after a request's step, for the next request to the machine to run without
   * taking it again (a warm lease). Another node that needs the machine asks for it and gets it at once where
   * storage carries such requests (PostgreSQL); on SQLite another process on the same file waits up to this.
   */
  leaseWarmMs: 500,
  /** First and longest pause between tries while another node holds a lease a request needs. */
  acquireBackoffMsMin: 2,
  acquireBackoffMsMax: 100,
  /** Pause between passes of the journal pruner. */
  journalPruneIntervalMs: 60_000,
});

/**
 * A processor call must end before its lease can expire, with room for the commit: its deadline is at most the
 * lease's expiry less this part of the lease duration (3 s of the default 30 s).
 */
export const LEASE_MARGIN_FRACTION = 0.1;

/** Bounds on the engine defaults: a configuration outside them is refused. */
export const ENGINE_DEFAULT_BOUNDS = Object.freeze({
  leaseDurationMs: { min: 100, max: 24 * 60 * 60 * 1000 },
  historyCacheBytesMax: { min: 0, max: 64 * 1024 * 1024 * 1024 },
});

/** The outbox relays' defaults, each with its unit last. */
export const RELAY_DEFAULTS = Object.freeze({
  /** Records published per batch. */
  batchRecordsMax: 500,
  /** Longest sleep of an idle leader without a wake: bounds the lag of records committed on other nodes. */
  pollIntervalMs: 100,
  /** First and longest pause between retries of a failing sink. */
  backoffMsMin: 50,
  backoffMsMax: 5000,
});

/** The JSON API's pages, caches and bounds, each with its unit last. */
export const JSON_API_LIMITS = Object.freeze({
  /** Events in one page of a machine's history when the request names no limit, and the most one page holds. */
  eventsPageDefault: 100,
  eventsPageMax: 1000,
  /** Machines in one page of a search or listing when the request names no limit, and the most one page holds. */
  machinesPageDefault: 50,
  machinesPageMax: 1000,
  /** Bytes of an Idempotency-Key header's value (the draft leaves the bound to the server). */
  idempotencyKeyBytesMax: 255,
  /** Request body bytes around the arguments (id, range, JSON punctuation): the body bound is argsBytesMax plus this. */
  requestBodyOverheadBytes: 64 * 1024,
  /**
   * Each status count of `GET /v1/namespaces` stops at this many machines (a count at the cap means "at least"),
   * and a namespace's counts are reused for this long: a console polling every second costs one capped count per
   * namespace and node per interval, whatever the namespace's size.
   */
  statusCountCap: 10_000,
  statusCountCacheMs: 2000,
  /** Seconds a 503 (not processed) tells the client to wait before it retries. */
  retryAfterSeconds: 1,
});

/** How long a stored idempotency key is kept, ms (the configuration's `idempotency_key_retention`). */
export const IDEMPOTENCY_DEFAULTS = Object.freeze({
  retentionMs: 24 * 60 * 60 * 1000,
  /** Keys deleted per prune statement, and how often the pruner looks: off the hot path, in small batches. */
  pruneBatchKeysMax: 1000,
  pruneIntervalMsMax: 60_000,
});

/**
 * What the storage-fed gauges and readiness read per scrape or probe. Each read is one indexed statement whose
 * cost is bounded by these, whatever the size of a namespace.
 */
export const OPERATOR_READ_LIMITS = Object.freeze({
  /** `ratchet_machines` counts each status up to this many machines, as `GET /v1/namespaces` does. */
  machineGaugeCap: JSON_API_LIMITS.statusCountCap,
  /** The oldest pending notification is looked for among this many of the namespace's oldest notifications. */
  pendingNotificationCandidatesMax: 1000,
  /** `timers_due_next_minute` looks this far ahead, ms, and counts up to the status count cap. */
  timersDueWindowMs: 60_000,
});

/**
 * Bulk operations (`POST /v1/namespaces/:ns/bulk`, `ratchet bulk`): the pace of a run, its lease, how it walks
 * the selection. A run acts on one machine at a time, so its pace is at most `ratePerSecond` and at most what the
 * actions themselves allow.
 */
export const BULK_DEFAULTS = Object.freeze({
  /** Machines acted on per second when the request names no rate, and the most a request may name. */
  ratePerSecondDefault: 50,
  ratePerSecondMax: 1000,
  /** The least a request may name: one machine every 100 s, so a run's lease is renewed while it waits. */
  ratePerSecondMin: 0.01,
  /** How long a node holds a run without renewing it; another node takes the run over after this. */
  leaseDurationMs: 10_000,
  /** How often an idle node looks for runs to take (a run started on this node wakes it at once). */
  pollIntervalMs: 1000,
  /** Runs one node drives at once. */
  runsPerNodeMax: 4,
  /** Machines read per page of the run's walk through its search. */
  selectionPageMachines: 100,
  /** A dry run (and a run's `selected`) counts at most this many machines; a count at the cap reads "at least". */
  selectionCountCap: 1_000_000,
  /** Runs of a namespace listed at once, and outcomes in one page (default and most). */
  runsListedMax: 100,
  outcomesPageDefault: 100,
  outcomesPageMax: 1000,
  /** Characters kept of an outcome's detail (an error's message). */
  outcomeDetailCharactersMax: 1000,
});
