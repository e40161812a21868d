/**
 * One SQLite file in WAL mode (or `:memory:` for tests), through better-sqlite3, with its prepared statements and
 * the two ways the adapter touches it: a read, which runs at once (better-sqlite3 is synchronous, so a read runs
 * to completion inside one event-loop turn and never sees half of a commit), and a write, which joins this turn's
 * shared transaction (write-batch.ts).
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { migrateSqlite } from "./migrate.js";
import { translateSqliteError } from "./sqlite-errors.js";
import { WriteBatch } from "./write-batch.js";

export interface SqliteDatabaseOptions {
  /** A file path, or ":memory:". Parent directories are created. */
  readonly path: string;
  /** FULL fsyncs every commit (durable against power loss); NORMAL only at checkpoints (durable against crashes). */
  readonly synchronous?: "full" | "normal";
  /** Time for the current instant, used for migration bookkeeping only. */
  readonly nowUs: () => number;
}

export class SqliteDatabase {
  readonly db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #writes: WriteBatch;

  constructor(options: SqliteDatabaseOptions) {
    if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma("journal_mode = WAL");
    const synchronous = options.synchronous ?? "full";
    this.db.pragma(`synchronous = ${synchronous}`);
    // Another process on the same file (a CLI next to a running node) waits rather than failing at once.
    this.db.pragma("busy_timeout = 5000");
    migrateSqlite(this.db, options.nowUs());
    this.#writes = new WriteBatch(this.db, synchronous);
  }

  statement(text: string): Database.Statement {
    let statement = this.#statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  /** Queues a write into this turn's shared transaction (see WriteBatch). */
  write<T>(work: () => T): Promise<T> {
    return this.#writes.write(work, { durable: true });
  }

  /** Queues a write of lease rows only: it need not reach the disk before the next durable write (WriteBatch). */
  writeLeases<T>(work: () => T): Promise<T> {
    return this.#writes.write(work, { durable: false });
  }

  read<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw translateSqliteError(error);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
