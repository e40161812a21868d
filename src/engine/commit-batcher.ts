/**
 * The group committer: steps of many machines that arrive while a commit is in flight wait for it, then go
 * to storage together in one transaction. Each step keeps its own fence and its own outcome; a caller learns
 * its step is durable only when that transaction has committed.
 *
 * States: idle (nothing queued) → scheduled (a flush is due on the next turn) → flushing (a batch is in
 * storage; new steps queue) → scheduled again if steps queued meanwhile, else idle.
 */
import assert from "node:assert/strict";
import { OverloadedError } from "../core/errors.js";
import type { CommitOutcome, StepCommit, Storage } from "../storage/storage.js";

const MODES = Object.freeze({ idle: "idle", scheduled: "scheduled", flushing: "flushing" });
type Mode = (typeof MODES)[keyof typeof MODES];

interface Pending {
  readonly step: StepCommit;
  resolve(outcome: CommitOutcome): void;
  reject(error: unknown): void;
}

export interface CommitBatcherOptions {
  readonly batchStepsMax: number;
  readonly queueLengthMax: number;
  /** Runs the callback after pending I/O of this turn, so steps finishing together share a batch. */
  readonly defer: (callback: () => void) => void;
}

export class CommitBatcher {
  readonly #storage: Storage;
  readonly #options: CommitBatcherOptions;
  #queue: Pending[] = [];
  #mode: Mode = MODES.idle;
  /** Steps per flush, for metrics and the benchmark. */
  readonly stats = { flushes: 0, steps: 0 };

  constructor(storage: Storage, options: CommitBatcherOptions) {
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

  #schedule(): void {
    this.#mode = MODES.scheduled;
    this.#options.defer(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    assert.equal(this.#mode, MODES.scheduled);
    this.#mode = MODES.flushing;
    const batch = this.#queue.splice(0, this.#options.batchStepsMax);
    this.stats.flushes += 1;
    this.stats.steps += batch.length;
    try {
      const outcomes = await this.#storage.commit(batch.map((pending) => pending.step));
      assert.equal(outcomes.length, batch.length, "storage answers every step of a batch");
      for (const [index, pending] of batch.entries()) pending.resolve(outcomes[index] as CommitOutcome);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
    this.#mode = MODES.idle;
    if (this.#queue.length > 0) this.#schedule();
  }

  /** Steps waiting or being committed. */
  get backlog(): number {
    return this.#queue.length;
  }
}
