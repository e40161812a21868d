/**
 * The engine's public operations, as every edge (woody Thrift, JSON API, CLI, SDK) sees them. Errors are the
 * typed errors of `core/errors.ts`.
 */

import type { Flow } from "../core/flow.js";
import type { HistoryRange } from "../core/history-range.js";
import type { IdempotencyRequest } from "../core/idempotency.js";
import type { JournalEntry } from "../core/journal.js";
import type { Event, MachineRecord, MachineStatus, Payload, RequestContext } from "../core/machine.js";

export interface RequestOptions {
  /** Answer by this instant (µs); the namespace's processing timeout applies when absent. */
  readonly deadlineUs?: number;
  /** Trace ids and metadata, passed to the processor and kept for the steps this request schedules. */
  readonly context?: RequestContext;
  /**
   * Start, call, repair and notify: a retry with the same key and request hash gets the first outcome without a
   * second step; the same key with another request is IdempotencyKeyReusedError.
   */
  readonly idempotency?: IdempotencyRequest;
  /**
   * Who asked, when a person or an operator's tool did (a token's name, `cli`, a bulk run's starter): operator
   * actions are audited under this name. Absent for a program's own requests.
   */
  readonly actor?: string;
}

export interface RangedRequestOptions extends RequestOptions {
  /** The history handed to the processor; the whole history when absent. */
  readonly range?: HistoryRange;
}

/** A page of a machine's journal: after a step number, oldest first, or before one, newest first. */
export interface StepsQuery {
  /** Step number to page from (exclusive); 0 forward, or the newest backward, when absent. */
  readonly after?: number;
  /** At most this many entries (default 100, at most 1,000). */
  readonly limit?: number;
  readonly direction?: "forward" | "backward";
}

/** The window a flow is folded over: steps that ended in [sinceUs, untilUs). */
export interface FlowQuery {
  /** Default: an hour before `untilUs`. */
  readonly sinceUs?: number;
  /** Default: now. */
  readonly untilUs?: number;
}

/** A machine as `get` returns it. */
export interface MachineSnapshot {
  readonly record: MachineRecord;
  readonly status: MachineStatus;
  readonly history: readonly Event[];
  readonly historyRange: HistoryRange;
}

export interface EngineApi {
  /** Creates the machine and runs its init step; a failed init leaves nothing behind. */
  start(namespace: string, machineId: string, args: Payload, options?: RequestOptions): Promise<void>;
  /** Runs a call step and returns the processor's response, after the step is committed. */
  call(namespace: string, machineId: string, args: Payload, options?: RangedRequestOptions): Promise<Payload>;
  /** Repairs a failed machine through the processor; RepairFailedError leaves it failed. */
  repair(
    namespace: string,
    machineId: string,
    args: Payload,
    options?: RangedRequestOptions,
  ): Promise<Payload>;
  /** Returns a failed machine to its previous status without calling the processor. */
  simpleRepair(namespace: string, machineId: string, options?: RequestOptions): Promise<void>;
  /** Reads the committed machine and a slice of its history. */
  get(namespace: string, machineId: string, range?: HistoryRange): Promise<MachineSnapshot>;
  /** Removes the machine with its history and pending notifications. */
  remove(namespace: string, machineId: string, options?: RequestOptions): Promise<void>;
  /** Stores a notification and returns its id at once; it is delivered later as a notification signal. */
  notify(
    namespace: string,
    machineId: string,
    args: Payload,
    options?: RangedRequestOptions,
  ): Promise<string>;
  /** Upgrades events older than the namespace's current format version; returns how many were rewritten. */
  modernize(
    namespace: string,
    machineId: string,
    range?: HistoryRange,
    options?: RequestOptions,
  ): Promise<number>;
  /** Pauses a working machine: its pending step waits for `resume`; calls get MachinePausedError meanwhile. */
  pause(namespace: string, machineId: string, reason: string, options?: RequestOptions): Promise<void>;
  /** Runs a paused machine's pending step again, with a fresh series of retries. */
  resume(namespace: string, machineId: string, options?: RequestOptions): Promise<void>;
  /** Runs the pending step now: a retrying machine's next attempt without its backoff, or a waiting one's timer. */
  retryNow(namespace: string, machineId: string, options?: RequestOptions): Promise<void>;
  /** A page of the machine's step journal. */
  steps(namespace: string, machineId: string, query?: StepsQuery): Promise<JournalEntry[]>;
  /** The namespace's flow over a window, folded from the journal, with its declared flow beside when it has one. */
  flow(namespace: string, query?: FlowQuery): Promise<Flow>;
  /** The configured namespaces. */
  namespaces(): readonly string[];
}
