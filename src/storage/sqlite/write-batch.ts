/**
 * The embedded store's group commit: all writes queued in one event-loop turn run in one transaction, each in
 * its own savepoint (one failing rolls back alone), and are answered after it commits. Every durable commit
 * costs an fsync, so sharing one between the lease acquisitions, releases and step commits of many machines is
 * what lets the embedded store keep up.
 *
 * A batch of lease writes alone (acquisitions, claims, renewals, releases) commits without its fsync
 * (`synchronous = OFF` for that transaction). In WAL mode the next durable commit's fsync covers every frame
 * written before it, so a step's commit makes the lease writes before it durable, its own acquisition included;
 * only an operating-system crash or power loss can lose a lease write no step commit followed, and a lost lease
 * write frees a lease sooner or leaves one to expire, never letting a stale holder write (the fence checks the
 * lease row at commit). PostgreSQL's lease pool does the same with `synchronous_commit = off`.
 */
import type Database from "better-sqlite3";
import { translateSqliteError } from "./sqlite-errors.js";

interface PendingWrite {
  readonly work: () => unknown;
  /** Must be on disk when answered; false for lease writes (see above). */
  readonly durable: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class WriteBatch {
  #pending: PendingWrite[] = [];

  constructor(
    private readonly db: Database.Database,
    /** The file's `synchronous` setting, for durable batches. */
    private readonly synchronous: "full" | "normal",
  ) {}

  write<T>(work: () => T, options: { durable: boolean }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({
        work,
        durable: options.durable,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      // setImmediate runs after this turn's I/O callbacks: every write they queue joins the batch.
      if (this.#pending.length === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    const durable = batch.some((pending) => pending.durable);
    try {
      // Inside the try: a database closed meanwhile fails the batch's writes here, like the transaction would.
      if (!durable) this.db.pragma("synchronous = OFF");
      this.db
        .transaction(() => {
          for (const pending of batch) {
            try {
              outcomes.push({ ok: true, value: this.db.transaction(pending.work)() });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      for (const pending of batch) pending.reject(translateSqliteError(error));
      return;
    } finally {
      if (!durable && this.db.open) this.db.pragma(`synchronous = ${this.synchronous}`);
    }
    for (const [index, pending] of batch.entries()) {
      const outcome = outcomes[index];
      if (outcome?.ok) pending.resolve(outcome.value);
      else pending.reject(translateSqliteError(outcome?.error));
    }
  }
}
