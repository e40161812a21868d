/**
 * The embedded store's group commit: all writes queued in one event-loop turn run in one transaction, each in
 * its own savepoint (one failing rolls back alone), and are answered after it commits. Every durable commit
 * costs an fsync, so sharing one between the lease acquisitions, releases and step commits of many machines is
 * what lets the embedded store keep up.
 */
import type Database from "better-sqlite3";
import { translateSqliteError } from "./sqlite-errors.js";

interface PendingWrite {
  readonly work: () => unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class WriteBatch {
  #pending: PendingWrite[] = [];

  constructor(private readonly db: Database.Database) {}

  write<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      // setImmediate runs after this turn's I/O callbacks: every write they queue joins the batch.
      if (this.#pending.length === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
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
    }
    for (const [index, pending] of batch.entries()) {
      const outcome = outcomes[index];
      if (outcome?.ok) pending.resolve(outcome.value);
      else pending.reject(translateSqliteError(outcome?.error));
    }
  }
}
