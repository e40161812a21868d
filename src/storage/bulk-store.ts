/**
 * The bulk store: bulk runs and their per-machine outcomes, for the JSON API (start, read, list, cancel) and for
 * the bulk runner, which drives a run under a lease of its own. Every write of the runner is fenced by the run's
 * lease (owner and epoch in the statement), so a node that lost a run can record nothing after the takeover.
 */
import type { BulkAction, BulkOutcomeKind, BulkRunStatus } from "../core/bulk.js";
import type { MachineSearchStatus } from "./operator-queries.js";

/** The search a run walks: MachineSearch's filters, without paging. */
export interface BulkFilter {
  readonly status?: MachineSearchStatus;
  readonly idPrefix?: string;
  readonly timerDueBeforeUs?: number;
  readonly updatedSinceUs?: number;
}

export interface NewBulkRun {
  readonly id: string;
  readonly namespace: string;
  readonly action: BulkAction;
  readonly filter: BulkFilter;
  /** The repair's or notification's payload; null for actions without arguments. */
  readonly args: Uint8Array | null;
  readonly ratePerSecond: number;
  /** The selection counted when the run started (capped). */
  readonly selected: number;
  readonly actor: string;
  readonly nowUs: number;
}

export interface BulkRun extends Omit<NewBulkRun, "nowUs"> {
  readonly status: BulkRunStatus;
  /** The last machine id with a recorded outcome: the walk resumes after it. */
  readonly cursor: string | null;
  /** A machine the driving node began to act on and has not recorded yet. */
  readonly inFlightMachineId: string | null;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  readonly createdAtUs: number;
  readonly updatedAtUs: number;
}

/** A node's hold on a run: its writes match this owner and epoch. */
export interface BulkRunLease {
  readonly runId: string;
  readonly owner: string;
  readonly epoch: number;
}

export interface BulkOutcome {
  readonly machineId: string;
  readonly outcome: BulkOutcomeKind;
  /** The error's code (core/errors.ts), or BULK_RESULT_UNKNOWN; null when ok. */
  readonly errorCode: string | null;
  readonly detail: string | null;
  readonly atUs: number;
}

export interface BulkStore {
  /** Stores a new running run with no lease. The id is the caller's and must be new. */
  createBulkRun(run: NewBulkRun): Promise<BulkRun>;

  readBulkRun(id: string): Promise<BulkRun | null>;

  /** A namespace's runs, newest first. */
  listBulkRuns(namespace: string, options: { limit: number }): Promise<BulkRun[]>;

  /** A run's outcomes in machine id order, after `afterMachineId` when given. */
  listBulkOutcomes(
    runId: string,
    options: { afterMachineId?: string; limit: number },
  ): Promise<BulkOutcome[]>;

  /** Marks a running run cancelled (its driver stops before its next machine); other runs are left as they are. */
  cancelBulkRun(id: string, nowUs: number): Promise<BulkRun | null>;

  /**
   * Takes one running run of these namespaces whose lease is free or expired at `nowUs`, oldest first, with a new
   * epoch and an expiry of `untilUs`; null when there is none. Two nodes never take the same run at once.
   */
  claimBulkRun(options: {
    namespaces: readonly string[];
    owner: string;
    nowUs: number;
    untilUs: number;
  }): Promise<{ run: BulkRun; lease: BulkRunLease } | null>;

  /**
   * Notes the machine the holder is about to act on and extends the lease; returns the run's status (a cancelled
   * run is not to go on). BulkRunLeaseLostError when the lease is no longer this holder's.
   */
  beginBulkMachine(
    lease: BulkRunLease,
    options: { machineId: string; untilUs: number },
  ): Promise<BulkRunStatus>;

  /**
   * In one write: the machine's outcome, the cursor moved to it, its count, the in-flight mark cleared, the lease
   * extended. Refused with BulkRunLeaseLostError when the lease is no longer this holder's, or when the machine is not
   * after the cursor (an outcome is recorded once per machine).
   */
  recordBulkOutcome(lease: BulkRunLease, options: { outcome: BulkOutcome; untilUs: number }): Promise<void>;

  /** Extends the lease and returns the run's status; BulkRunLeaseLostError when it is no longer this holder's. */
  renewBulkRun(lease: BulkRunLease, untilUs: number): Promise<BulkRunStatus>;

  /**
   * Ends the holder's lease: with `done`, a running run becomes done (the walk reached the end); without, the run
   * stays as it is and any node may take it at once (this node is stopping). BulkRunLeaseLostError as above.
   */
  releaseBulkRun(lease: BulkRunLease, options: { done: boolean; nowUs: number }): Promise<void>;
}
