/**
 * A machine: an append-only history of events plus an aux state, a timer, and a status that says whether it
 * runs (idle, waiting for its timer, retrying a failed timer step), is paused (its pending step waits for an
 * operator's resume), or is failed and waits for repair.
 */
import type { HistoryRange } from "./history-range.js";

/** Opaque bytes: the engine stores and returns them without looking inside. */
export type Payload = Uint8Array;

/** A payload with the version of its format, as the processor wrote it. */
export interface Content {
  readonly formatVersion?: number;
  readonly data: Payload;
}

export interface Event {
  /** 1, 2, 3, … per machine, without gaps. */
  readonly id: number;
  readonly createdAtUs: number;
  readonly formatVersion?: number;
  readonly data: Payload;
}

/** Trace ids and metadata of the request that caused some work, carried to the steps it schedules. */
export type RequestContext = Readonly<Record<string, string>>;

/** Every status, in the order operators read them. */
export const MACHINE_STATUSES = ["idle", "waiting", "retrying", "paused", "failed"] as const;
export type MachineStatus = (typeof MACHINE_STATUSES)[number];
export type WorkingStatus = Exclude<MachineStatus, "failed" | "paused">;

/** A one-shot timer: when it is due, the machine gets a timer signal and the timer is cleared. */
export interface Timer {
  readonly dueAtUs: number;
  /** The name of the step the timer runs (a processor named it); absent: the step is named after its kind. */
  readonly step?: string;
  /** The history handed to the timeout step. */
  readonly range: HistoryRange;
  /** The processor route of the timeout step; absent means the namespace's default. */
  readonly processor?: string;
  readonly context?: RequestContext;
}

/** A timer step that failed transiently and runs again at `dueAtUs`. */
export interface TimerRetry {
  /** Failures so far in this series. */
  readonly attempt: number;
  readonly firstFailedAtUs: number;
  readonly dueAtUs: number;
  readonly lastError: string;
}

export interface Failure {
  readonly reason: string;
  /** The status simple repair restores. */
  readonly previousStatus: WorkingStatus;
  readonly failedAtUs: number;
}

/**
 * A paused machine keeps its pending step (its timer, due or not) and waits for an operator's resume, which runs
 * that step again with a fresh series of retries; nothing of it is lost, unlike a failure it needs no repair.
 */
export interface Pause {
  readonly reason: string;
  /** What paused it: the retry policy that ran out (`retries.timers`, `steps.<name>.retry`), or `operator`. */
  readonly by: string;
  readonly pausedAtUs: number;
}

export interface MachineRecord {
  readonly namespace: string;
  readonly id: string;
  readonly auxState: Content;
  /** Id of the newest event; 0 when the history is empty. */
  readonly lastEventId: number;
  readonly timer: Timer | null;
  readonly retry: TimerRetry | null;
  readonly failure: Failure | null;
  readonly pause: Pause | null;
  /** Number of the newest step recorded in the machine's journal; 0 before the first. */
  readonly stepNumber: number;
  readonly createdAtUs: number;
  readonly updatedAtUs: number;
}

/** The aux state of a machine whose processor never set one: MG's `Content{data = bin ""}`. */
export const EMPTY_AUX_STATE: Content = Object.freeze({ data: new Uint8Array(0) });

export function statusOf(record: MachineRecord): MachineStatus {
  if (record.failure !== null) return "failed";
  if (record.pause !== null) return "paused";
  if (record.retry !== null) return "retrying";
  if (record.timer !== null) return "waiting";
  return "idle";
}

/** When the scheduler must next run a step for this machine; null when nothing is scheduled. */
export function dueAtUsOf(record: MachineRecord): number | null {
  if (record.failure !== null || record.pause !== null) return null;
  if (record.retry !== null) return record.retry.dueAtUs;
  return record.timer?.dueAtUs ?? null;
}

export function machineKey(namespace: string, machineId: string): string {
  return `${namespace}\u0000${machineId}`;
}
