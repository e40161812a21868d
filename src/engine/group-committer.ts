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
 * States: idle (nothing queued) → scheduled (a flush is due on the next turn) → flushing (a batch is in
 * storage; new steps queue) → scheduled again if steps queued meanwhile, else idle.
 */
import assert from "node:assert/strict";
import { coerceError, OverloadedError, RatchetError, StorageRejectedError } from "../core/errors.js";
import type { CommitOutcome, MachineStore, StepCommit } from "../storage/machine-store.js";
import type { CommitFlush } from "./engine-observer.js";

const MODES = Object.freeze({ idle: "idle", scheduled: "scheduled", flushing: "flushing" });
type Mode = (typeof MODES)[keyof typeof MODES];

interface Pending {
  readonly step: StepCommit;
  resolve(outcome: CommitOutcome): void;
  reject(error: unknown): void;
}

export interface GroupCommitterOptions {
  readonly batchStepsMax: number;
  readonly queueLengthMax: number;
  /** Runs the callback after pending I/O of this turn, so steps finishing together share a batch. */
  readonly defer: (callback: () => void) => void;
  /** Sees every transaction with its step count and duration (metrics, traces); its clock is `nowUs`. */
  readonly observe?: { readonly nowUs: () => number; flushed(flush: CommitFlush): void };
}

export class GroupCommitter {
  readonly #storage: Pick<MachineStore, "commit">;
  readonly #options: GroupCommitterOptions;
  #queue: Pending[] = [];
  #mode: Mode = MODES.idle;
  /** Transactions and steps committed, for metrics and the benchmark. */
  readonly stats = { flushes: 0, steps: 0, isolated: 0 };

  constructor(storage: Pick<MachineStore, "commit">, options: GroupCommitterOptions) {
    this.#storage = storage;
    this.#options = options;
  }

  commit(step: StepCommit): Promise<CommitOutcome> {
    if (this.#queue.length >= this.#options.queueLengthMax) {
      return Promise.reject(new OverloadedError(`${this.#queue.length} steps wait for commit`));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ step, resolve, reject });
      if (this.#mode === MODES.idle) this.#schedule();
    });
  }

  /** Steps waiting or being committed. */
  get backlog(): number {
    return this.#queue.length;
  }

  #schedule(): void {
    this.#mode = MODES.scheduled;
    this.#options.defer(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    assert.equal(this.#mode, MODES.scheduled);
    this.#mode = MODES.flushing;
    await this.#commitBatch(this.#queue.splice(0, this.#options.batchStepsMax));
    this.#mode = MODES.idle;
    if (this.#queue.length > 0) this.#schedule();
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
