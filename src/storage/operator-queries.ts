/**
 * Operator queries: what operators (the CLI, the JSON API and the console) read besides single machines. Reads
 * only; each answers from one statement, so it sees whole steps or none of them.
 */
import type { JournalEntry } from "../core/journal.js";
import type { MachineRecord, MachineStatus } from "../core/machine.js";
import type { Notification } from "../core/notification.js";

/** A status to search by: one of the machine's statuses, or "working" (idle, waiting or retrying). */
export type MachineSearchStatus = MachineStatus | "working";

/** The statuses "working" stands for: a paused machine, like a failed one, waits for an operator. */
export const WORKING_STATUSES: readonly MachineStatus[] = ["idle", "waiting", "retrying"];

/** Every filter is optional; the machines that pass all given ones are returned by id. */
export interface MachineSearch {
  readonly status?: MachineSearchStatus;
  /** Ids that begin with this text. */
  readonly idPrefix?: string;
  /** Machines whose timer is due before this instant (µs). */
  readonly timerDueBeforeUs?: number;
  /** Machines changed at or after this instant (µs). */
  readonly updatedSinceUs?: number;
  /** The keyset cursor: only ids after this one. */
  readonly afterId?: string;
  readonly limit: number;
}

export interface OperatorQueries {
  /** Machines of a namespace by id, for operators; `afterId` pages. */
  listMachines(namespace: string, options: { afterId?: string; limit: number }): Promise<MachineRecord[]>;

  /**
   * Machines of a namespace that pass the search's filters, in id order, at most `limit`. Paging by `afterId`
   * (the last id of the previous page) is stable under concurrent writes: ids only move forward, so a machine is
   * seen at most once, and one that exists for the whole paging and keeps passing the filters is seen once.
   */
  searchMachines(namespace: string, search: MachineSearch): Promise<MachineRecord[]>;

  /**
   * The machines of a namespace by status, each count capped at `capPerStatus` (a count equal to the cap means
   * "at least"): its cost is bounded by the cap, whatever the size of the namespace.
   */
  countMachinesByStatus(
    namespace: string,
    options: { capPerStatus: number },
  ): Promise<Record<MachineStatus, number>>;

  /**
   * Machines of a namespace whose timer is due before `dueBeforeUs` (overdue ones included, as the search's
   * `timerDueBeforeUs` filter counts them), counted up to `cap` (a count equal to the cap means "at least"): a
   * range scan of the timer index of at most `cap` entries.
   */
  countTimersDue(namespace: string, options: { dueBeforeUs: number; cap: number }): Promise<number>;

  /**
   * The earliest due instant (µs) among the namespace's scheduled timers and retries that are due at or before
   * `nowUs`, or null when none is: work the scheduler should have run. Failed and paused machines schedule
   * nothing, so they never count. One lookup in the index of due work by namespace.
   */
  oldestOverdueTimer(namespace: string, options: { nowUs: number }): Promise<number | null>;

  /**
   * When the oldest notification of the namespace still waiting for delivery was created (µs), or null when none
   * waits. Only notifications a live machine can take count (a failed or paused machine's wait for the operator,
   * as its status already shows); the cost is bounded by looking at the `candidatesMax` oldest notifications.
   */
  oldestPendingNotification(namespace: string, options: { candidatesMax: number }): Promise<number | null>;

  /** The notifications of one machine that wait for delivery, oldest first. */
  listNotifications(namespace: string, machineId: string): Promise<Notification[]>;

  /**
   * A page of one machine's journal: entries after step number `after` (forward, oldest first) or before it
   * (backward, newest first).
   */
  listSteps(
    namespace: string,
    machineId: string,
    options: { after: number; limit: number; direction: "forward" | "backward" },
  ): Promise<JournalEntry[]>;

  /** The journal entries of a namespace that ended in [sinceUs, untilUs), by machine and step, at most `limit`. */
  readJournalWindow(
    namespace: string,
    options: { sinceUs: number; untilUs: number; limit: number },
  ): Promise<{ machineId: string; entry: JournalEntry }[]>;
}
