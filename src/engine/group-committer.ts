/**
 * The group committer: steps of many machines that arrive while a commit is in flight wait for it, then go
 * to storage together in one transaction. Each step keeps its own fence and its own outcome; a caller learns
 * its step is durable only when that transaction has committed.
 *
 * One bad step must not fail its neighbours: when storage refuses a whole batch for a reason that is known to
 * have committed nothing (not an outage, not an unknown outcome), the batch is committed again in halves until
 * the step that breaks it stands alone; it alone gets StorageRejectedError. A batch whose outcome is unknown is
 * never retried: every step of it gets StorageResultUnknownError.
 *
 * Up to `commitsInFlightMax` batches may be in storage at once (PostgreSQL commits on separate connections):
 * while one batch waits for the database, the steps that finish meanwhile form the next, so this process and the
 * database work at the same time instead of in turns. Batches in flight together never share a machine: a step
 * whose machine is in one waits for it, so a machine's steps still commit in order.
 *
 * A flush is scheduled (due on the next turn) when steps are queued, none is scheduled yet and a commit slot is
 * free; it takes the queued steps whose machines are not in flight, up to a batch.
 */
import assert from "node:assert/strict";
import { coerceError, OverloadedError, RatchetError, StorageRejectedError } from "../core/errors.js";
import { machineKey } from "../core/machine.js";
import type { CommitOutcome, MachineStore, StepCommit } from "../storage/machine-store.js";
import type { CommitFlush } from "./engine-observer.js";

/** Below this many steps a half-batch saves less than the transaction it adds. */
const STAGGERED_HALF_STEPS_MIN = 8;

interface Pending {
  readonly step: StepCommit;
  /** The step's machine (machineKey), made once for the flushes that look at it. */
  readonly key: string;
  resolve(outcome: CommitOutcome): void;
  reject(error: unknown): void;
}

export interface GroupCommitterOptions {
  readonly batchStepsMax: number;
  readonly queueLengthMax: number;
  /** Batches that may be in storage at once; 1 commits strictly one after another. */
  readonly commitsInFlightMax: number;
  /** Runs the callback after pending I/O of this turn, so steps finishing together share a batch. */
  readonly defer: (callback: () => void) => void;
  /** Sees every transaction with its step count and duration (metrics, traces); its clock is `nowUs`. */
  readonly observe?: { readonly nowUs: () => number; flushed(flush: CommitFlush): void };
}

export class GroupCommitter {
  readonly #storage: Pick<MachineStore, "commit">;
  readonly #options: GroupCommitterOptions;
  #queue: Pending[] = [];
  #scheduled = false;
  #inFlight = 0;
  /** The machines of the batches in storage (machineKey). */
  readonly #committing = new Set<string>();
  /** Transactions and steps committed, for metrics and the benchmark. */
  readonly stats = { flushes: 0, steps: 0, isolated: 0 };

  constructor(storage: Pick<MachineStore, "commit">, options: GroupCommitterOptions) {
    assert.ok(
      Number.isInteger(options.commitsInFlightMax) && options.commitsInFlightMax >= 1,
      `commitsInFlightMax must be a whole number ≥ 1, not ${options.commitsInFlightMax}`,
    );
    this.#storage = storage;
    this.#options = options;
  }

  commit(step: StepCommit): Promise<CommitOutcome> {
    if (this.#queue.length >= this.#options.queueLengthMax) {
      return Promise.reject(new OverloadedError(`${this.#queue.length} steps wait for commit`));
    }
    return new Promise((resolve, reject) => {
      const key = machineKey(step.lease.namespace, step.lease.machineId);
      this.#queue.push({ step, key, resolve, reject });
      this.#scheduleIfFree();
    });
  }

  /** Steps waiting for a batch (not those of the batches in storage). */
  get backlog(): number {
    return this.#queue.length;
  }

  #scheduleIfFree(): void {
    if (this.#scheduled || this.#queue.length === 0) return;
    if (this.#inFlight >= this.#options.commitsInFlightMax) return;
    this.#scheduled = true;
    this.#options.defer(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    assert.ok(this.#scheduled);
    this.#scheduled = false;
    const batch = this.#takeBatch();
    if (batch.length === 0) return; // every queued step's machine is in flight: its batch's end schedules again
    const keys = batch.map((pending) => pending.key);
    this.#inFlight += 1;
    for (const key of keys) this.#committing.add(key);
    // More steps than one batch holds, or a second slot free: the next batch forms while this one commits.
    this.#scheduleIfFree();
    try {
      await this.#commitBatch(batch);
    } finally {
      for (const key of keys) this.#committing.delete(key);
      this.#inFlight -= 1;
      this.#scheduleIfFree();
    }
  }

  /**
   * The oldest queued steps whose machines are not in flight, up to a batch; the others keep their places. With
   * nothing in flight and a free second slot, a large queue goes as two halves: steps that finish together
   * (all a batch's machines resume in the same turn) would otherwise keep arriving together, and the engine and
   * the database would go on working in turns.
   */
  #takeBatch(): Pending[] {
    const { commitsInFlightMax } = this.#options;
    const staggered =
      this.#inFlight === 0 && commitsInFlightMax > 1 && this.#queue.length >= 2 * STAGGERED_HALF_STEPS_MIN;
    const batchStepsMax = staggered
      ? Math.min(this.#options.batchStepsMax, Math.ceil(this.#queue.length / 2))
      : this.#options.batchStepsMax;
    if (this.#committing.size === 0 && this.#queue.length <= batchStepsMax) {
      const batch = this.#queue;
      this.#queue = [];
      return batch;
    }
    const batch: Pending[] = [];
    const kept: Pending[] = [];
    for (const pending of this.#queue) {
      if (batch.length < batchStepsMax && !this.#committing.has(pending.key)) batch.push(pending);
      else kept.push(pending);
    }
    this.#queue = kept;
    return batch;
  }

  async #commitBatch(batch: readonly Pending[]): Promise<void> {
    this.stats.flushes += 1;
    let outcomes: CommitOutcome[];
    try {
      outcomes = await this.#storageCommit(batch);
    } catch (thrown) {
      const error = coerceError(thrown);
      if (!committedNothingForSure(error)) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      if (batch.length === 1) {
        this.stats.isolated += 1;
        batch[0]?.reject(
          new StorageRejectedError(`storage refused the step: ${error.message}`, { cause: error }),
        );
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await this.#commitBatch(batch.slice(0, half));
      await this.#commitBatch(batch.slice(half));
      return;
    }
    assert.equal(outcomes.length, batch.length, "storage answers every step of a batch");
    this.stats.steps += outcomes.filter((outcome) => outcome.ok).length;
    for (const [index, pending] of batch.entries()) pending.resolve(outcomes[index] as CommitOutcome);
  }

  async #storageCommit(batch: readonly Pending[]): Promise<CommitOutcome[]> {
    const steps = batch.map((pending) => pending.step);
    const { observe } = this.#options;
    if (observe === undefined) return this.#storage.commit(steps);
    const startedAtUs = observe.nowUs();
    let ok = false;
    try {
      const outcomes = await this.#storage.commit(steps);
      ok = true;
      return outcomes;
    } finally {
      observe.flushed({ steps: steps.length, startedAtUs, endedAtUs: observe.nowUs(), ok });
    }
  }
}

/**
 * Whether a failed batch is known to have written nothing for a reason that lies in the batch itself: typed
 * errors are not (an outage is retried by the callers' own paths, an unknown outcome must not be retried at all);
 * anything else the storage threw aborted the transaction, so its steps can be committed again.
 */
function committedNothingForSure(error: Error): boolean {
  return !(error instanceof RatchetError);
}
