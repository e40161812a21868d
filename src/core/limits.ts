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
  /** Events of complete histories kept in memory per node, least recently used out first. */
  historyCacheEventsMax: 1_000_000,
});
