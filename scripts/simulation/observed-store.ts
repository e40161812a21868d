/**
 * The real embedded store (SqliteStorage on ":memory:") as every node reaches it, beneath the nodes' fault
 * wrappers: it counts the calls under way (the run loop must not move time while a write batch is still to
 * flush) and hands each commit and each stored notification to the checker in the order the store applied
 * them, before the caller learns its outcome, so the model is up to date whenever a node acts on an answer.
 */
import type { IdempotencyRecord } from "../../src/core/idempotency.js";
import type { Notification } from "../../src/core/notification.js";
import type { CommitOutcome, StepCommit } from "../../src/storage/machine-store.js";
import type { Storage } from "../../src/storage/storage.js";

export interface StoreObserver {
  /** Steps a commit call carried and their outcomes (every step of the call, committed or refused). */
  committed(steps: readonly StepCommit[], outcomes: readonly CommitOutcome[]): Promise<void>;
  notificationStored(notification: Notification): void;
}

export class ObservedStore {
  readonly real: Storage;
  #observer: StoreObserver | null = null;
  #callsUnderWay = 0;
  /** Writes are numbered as they reach the store: the embedded store applies them in that order. */
  #writesIssued = 0;
  #writesApplied = 0;
  readonly #ready = new Map<number, () => Promise<void>>();
  #applying = false;

  constructor(real: Storage) {
    this.real = real;
  }

  observe(observer: StoreObserver): void {
    this.#observer = observer;
  }

  get busy(): boolean {
    return this.#callsUnderWay > 0 || this.#ready.size > 0 || this.#applying;
  }

  /** Runs a call on the real store, counted while it is under way. */
  async track<T>(call: (real: Storage) => Promise<T>): Promise<T> {
    this.#callsUnderWay += 1;
    try {
      return await call(this.real);
    } finally {
      this.#callsUnderWay -= 1;
    }
  }

  async commit(steps: readonly StepCommit[]): Promise<CommitOutcome[]> {
    const order = this.#writesIssued++;
    const settled = await this.#settle(this.track((real) => real.commit(steps)));
    await this.#inOrder(order, async () => {
      if (settled.ok) await this.#observer?.committed(steps, settled.value);
    });
    if (!settled.ok) throw settled.error;
    return settled.value;
  }

  async insertNotification(
    notification: Notification,
    options?: { readonly idempotency?: IdempotencyRecord },
  ): Promise<IdempotencyRecord | null> {
    const order = this.#writesIssued++;
    const settled = await this.#settle(this.track((real) => real.insertNotification(notification, options)));
    await this.#inOrder(order, async () => {
      // A stored key instead of a stored notification means nothing new was written.
      if (settled.ok && settled.value === null) this.#observer?.notificationStored(notification);
    });
    if (!settled.ok) throw settled.error;
    return settled.value;
  }

  async #settle<T>(call: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    try {
      return { ok: true, value: await call };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** Waits until every earlier write has been shown to the checker, then shows this one. */
  #inOrder(order: number, show: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#ready.set(order, () => show().then(resolve, reject));
      void this.#applyReady();
    });
  }

  async #applyReady(): Promise<void> {
    if (this.#applying) return;
    this.#applying = true;
    try {
      for (;;) {
        const show = this.#ready.get(this.#writesApplied);
        if (show === undefined) break;
        this.#ready.delete(this.#writesApplied);
        this.#writesApplied += 1;
        await show();
      }
    } finally {
      this.#applying = false;
    }
  }
}
