/**
 * The embedded storage: one SQLite file in WAL mode (or `:memory:` for tests), through better-sqlite3.
 * better-sqlite3 is synchronous, so every method runs to completion inside one event-loop turn: a read can
 * never see half of a commit, and a batch of steps costs one transaction and one fsync.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { LeaseLostError, MachineAlreadyExistsError, MachineNotFoundError } from "../../core/errors.js";
import type { EventSpan } from "../../core/history-range.js";
import type { Content, Event, MachineRecord } from "../../core/machine.js";
import type { Notification } from "../../core/notification.js";
import type { EventRow, MachineRow, NotificationRow } from "../rows.js";
import {
  eventFromRow,
  machineFromRow,
  machineToRow,
  notificationFromRow,
  notificationToRow,
  type OutboxRow,
  outboxFromRow,
  outboxToRow,
} from "../rows.js";
import type {
  AcquireResult,
  ClaimedMachine,
  ClaimedNotification,
  ClaimOptions,
  CommitOutcome,
  Lease,
  StepCommit,
  Storage,
  StoredOutboxRecord,
} from "../storage.js";
import { migrateSqlite } from "./migrate.js";
import { translateSqliteError } from "./sqlite-errors.js";
import * as sql from "./statements.js";
import { WriteBatch } from "./write-batch.js";

export interface SqliteStorageOptions {
  /** A file path, or ":memory:". Parent directories are created. */
  readonly path: string;
  /** FULL fsyncs every commit (durable against power loss); NORMAL only at checkpoints (durable against crashes). */
  readonly synchronous?: "full" | "normal";
  /** Time for the current instant, used for migration bookkeeping only. */
  readonly nowUs: () => number;
}

export class SqliteStorage implements Storage {
  readonly #db: Database.Database;
  readonly #statements: Map<string, Database.Statement> = new Map();
  readonly #writes: WriteBatch;

  constructor(options: SqliteStorageOptions) {
    if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new Database(options.path);
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma(`synchronous = ${options.synchronous ?? "full"}`);
    // Another process on the same file (a CLI next to a running node) waits rather than failing at once.
    this.#db.pragma("busy_timeout = 5000");
    migrateSqlite(this.#db, options.nowUs());
    this.#writes = new WriteBatch(this.#db);
  }

  #statement(text: string): Database.Statement {
    let statement = this.#statements.get(text);
    if (statement === undefined) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  /** Queues a write into this turn's shared transaction (see WriteBatch). */
  #write<T>(work: () => T): Promise<T> {
    return this.#writes.write(work);
  }

  #run<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw translateSqliteError(error);
    }
  }

  async acquireLease(options: {
    namespace: string;
    machineId: string;
    owner: string;
    nowUs: number;
    untilUs: number;
  }): Promise<AcquireResult> {
    const { namespace, machineId, owner, nowUs, untilUs } = options;
    return this.#write((): AcquireResult => {
      const held = this.#statement(sql.READ_LEASE).get(namespace, machineId) as
        | { owner: string; epoch: number; expires_at_us: number }
        | undefined;
      if (held !== undefined && held.owner !== owner && held.expires_at_us > nowUs) {
        return { acquired: false, heldUntilUs: held.expires_at_us };
      }
      const lease = this.#takeLease(namespace, machineId, owner, untilUs);
      const row = this.#statement(sql.READ_MACHINE).get(namespace, machineId) as MachineRow | undefined;
      return { acquired: true, lease, record: row === undefined ? null : machineFromRow(row) };
    });
  }

  #takeLease(namespace: string, machineId: string, owner: string, untilUs: number): Lease {
    const { value: epoch } = this.#statement(sql.NEXT_LEASE_EPOCH).get() as { value: number };
    this.#statement(sql.UPSERT_LEASE).run(namespace, machineId, owner, epoch, untilUs);
    return { namespace, machineId, owner, epoch };
  }

  async releaseLease(lease: Lease): Promise<void> {
    await this.#write(() =>
      this.#statement(sql.DELETE_LEASE).run(lease.namespace, lease.machineId, lease.epoch),
    );
  }

  async renewLeases(leases: readonly Lease[], untilUs: number): Promise<Lease[]> {
    return this.#write(() =>
      leases.filter(
        (lease) =>
          this.#statement(sql.EXTEND_LEASE).run(untilUs, lease.namespace, lease.machineId, lease.epoch)
            .changes === 0,
      ),
    );
  }

  async commit(steps: readonly StepCommit[]): Promise<CommitOutcome[]> {
    return this.#write(() =>
      steps.map((step): CommitOutcome => {
        try {
          // A nested transaction is a savepoint: a step that fails its fence rolls back alone.
          this.#db.transaction(() => this.#commitStep(step))();
          return { ok: true };
        } catch (error) {
          if (error instanceof LeaseLostError || error instanceof MachineAlreadyExistsError)
            return { ok: false, error };
          throw error;
        }
      }),
    );
  }

  #commitStep(step: StepCommit): void {
    const { lease, record } = step;
    const held = this.#statement(sql.READ_LEASE).get(lease.namespace, lease.machineId) as
      | { epoch: number; owner: string }
      | undefined;
    if (held?.epoch !== lease.epoch || held.owner !== lease.owner) {
      throw new LeaseLostError(lease.namespace, lease.machineId);
    }
    for (const entry of step.outbox ?? []) this.#statement(sql.INSERT_OUTBOX).run(outboxToRow(entry));
    if (step.kind === "remove") {
      for (const statement of [
        sql.DELETE_EVENTS,
        sql.DELETE_MACHINE_NOTIFICATIONS,
        sql.DELETE_MACHINE,
        sql.DELETE_MACHINE_LEASE,
      ]) {
        this.#statement(statement).run(record.namespace, record.id);
      }
      return;
    }
    const row = machineToRow(record);
    if (step.kind === "create") {
      try {
        this.#statement(sql.INSERT_MACHINE).run(row);
      } catch (error) {
        if ((error as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
          throw new MachineAlreadyExistsError(record.namespace, record.id);
        }
        throw error;
      }
    } else {
      const previous = record.lastEventId - step.events.length;
      const { changes } = this.#statement(sql.UPDATE_MACHINE).run({
        ...row,
        previous_last_event_id: previous,
      });
      assert.equal(
        changes,
        1,
        `machine ${record.id} must end at event ${previous} when a step appends to it`,
      );
    }
    const insertEvent = this.#statement(sql.INSERT_EVENT);
    for (const event of step.events) {
      insertEvent.run(
        record.namespace,
        record.id,
        event.id,
        event.createdAtUs,
        event.formatVersion ?? null,
        event.data,
      );
    }
    if (step.notification !== undefined) this.#settleNotification(record.namespace, step.notification);
    if (step.leaseUntilUs === null)
      this.#statement(sql.DELETE_LEASE).run(lease.namespace, lease.machineId, lease.epoch);
    else
      this.#statement(sql.EXTEND_LEASE).run(step.leaseUntilUs, lease.namespace, lease.machineId, lease.epoch);
  }

  #settleNotification(namespace: string, settled: NonNullable<StepCommit["notification"]>): void {
    const { outcome } = settled;
    if (outcome.kind === "delivered") {
      this.#statement(sql.DELETE_NOTIFICATION).run(namespace, settled.id);
    } else {
      this.#statement(sql.RESCHEDULE_NOTIFICATION).run(
        outcome.dueAtUs,
        outcome.attempt,
        outcome.firstFailedAtUs,
        outcome.lastError,
        namespace,
        settled.id,
      );
    }
  }

  async readMachine(namespace: string, machineId: string): Promise<MachineRecord | null> {
    const row = this.#run(() => this.#statement(sql.READ_MACHINE).get(namespace, machineId)) as
      | MachineRow
      | undefined;
    return row === undefined ? null : machineFromRow(row);
  }

  async readMachineWithEvents(
    namespace: string,
    machineId: string,
    selectSpan: (record: MachineRecord) => EventSpan | null,
  ): Promise<{ record: MachineRecord; events: Event[] } | null> {
    return this.#run(() => {
      const row = this.#statement(sql.READ_MACHINE).get(namespace, machineId) as MachineRow | undefined;
      if (row === undefined) return null;
      const record = machineFromRow(row);
      const span = selectSpan(record);
      return { record, events: span === null ? [] : this.#readEvents(namespace, machineId, span) };
    });
  }

  async readEvents(namespace: string, machineId: string, span: EventSpan): Promise<Event[]> {
    return this.#run(() => this.#readEvents(namespace, machineId, span));
  }

  #readEvents(namespace: string, machineId: string, span: EventSpan): Event[] {
    const forward = span.direction === "forward";
    const low = forward ? span.from : span.to;
    const high = forward ? span.to : span.from;
    const text = forward ? sql.READ_EVENTS_FORWARD : sql.READ_EVENTS_BACKWARD;
    const rows = this.#statement(text).all(namespace, machineId, low, high) as EventRow[];
    return rows.map(eventFromRow);
  }

  async claimDueMachines(options: ClaimOptions): Promise<ClaimedMachine[]> {
    return this.#write(() => {
      const rows = this.#statement(sql.SELECT_DUE_MACHINES).all({
        now: options.nowUs,
        limit: options.limit,
      }) as MachineRow[];
      return rows.map((row) => ({
        lease: this.#takeLease(row.namespace, row.machine_id, options.owner, options.untilUs),
        record: machineFromRow(row),
      }));
    });
  }

  async claimDueNotifications(options: ClaimOptions): Promise<ClaimedNotification[]> {
    return this.#write(() => {
      const rows = this.#statement(sql.SELECT_DUE_NOTIFICATIONS).all({
        now: options.nowUs,
        limit: options.limit,
      }) as NotificationRow[];
      const claimed: ClaimedNotification[] = [];
      const seen = new Set<string>();
      for (const row of rows) {
        const key = `${row.namespace}\u0000${row.machine_id}`;
        if (seen.has(key)) continue; // one notification per machine per claim: the lease is per machine
        seen.add(key);
        const machine = this.#statement(sql.READ_MACHINE).get(row.namespace, row.machine_id) as MachineRow;
        claimed.push({
          lease: this.#takeLease(row.namespace, row.machine_id, options.owner, options.untilUs),
          record: machineFromRow(machine),
          notification: notificationFromRow(row),
        });
      }
      return claimed;
    });
  }

  async nextDueAtUs(): Promise<number | null> {
    return this.#run(() => {
      const machine = this.#statement(sql.NEXT_DUE_MACHINE).get() as { due: number | null };
      const notification = this.#statement(sql.NEXT_DUE_NOTIFICATION).get() as { due: number | null };
      const candidates = [machine.due, notification.due].filter((due): due is number => due !== null);
      return candidates.length === 0 ? null : Math.min(...candidates);
    });
  }

  async insertNotification(notification: Notification): Promise<void> {
    await this.#write(() => {
      const found = this.#statement(sql.MACHINE_EXISTS).get(notification.namespace, notification.machineId);
      if (found === undefined) throw new MachineNotFoundError(notification.namespace, notification.machineId);
      this.#statement(sql.INSERT_NOTIFICATION).run(notificationToRow(notification));
    });
  }

  async updateEventContents(
    namespace: string,
    machineId: string,
    updates: readonly { eventId: number; content: Content }[],
  ): Promise<number> {
    return this.#write(() => {
      let changed = 0;
      for (const { eventId, content } of updates) {
        changed += this.#statement(sql.UPDATE_EVENT_CONTENT).run(
          content.formatVersion ?? null,
          content.data,
          namespace,
          machineId,
          eventId,
        ).changes;
      }
      return changed;
    });
  }

  async readOutbox(sink: string, limit: number): Promise<StoredOutboxRecord[]> {
    const rows = this.#run(() => this.#statement(sql.READ_OUTBOX).all(sink, limit)) as OutboxRow[];
    return rows.map(outboxFromRow);
  }

  async deleteOutbox(sink: string, positions: readonly number[]): Promise<number> {
    return this.#write(() => {
      let deleted = 0;
      for (const position of positions)
        deleted += this.#statement(sql.DELETE_OUTBOX).run(sink, position).changes;
      return deleted;
    });
  }

  async outboxPending(options: {
    sinks: readonly string[];
    namespace: string;
    machineId: string;
    eventIdMax: number;
    committedAtUsMax: number;
  }): Promise<number> {
    const row = this.#run(() =>
      this.#statement(sql.OUTBOX_PENDING).get({
        namespace: options.namespace,
        machine_id: options.machineId,
        sinks: JSON.stringify(options.sinks),
        event_id_max: options.eventIdMax,
        committed_at_us_max: options.committedAtUsMax,
      }),
    ) as { pending: number };
    return row.pending;
  }

  async outboxBacklog(sink: string): Promise<{ records: number; oldestCreatedAtUs: number | null }> {
    const row = this.#run(() => this.#statement(sql.OUTBOX_BACKLOG).get(sink)) as {
      records: number;
      oldest_created_at_us: number | null;
    };
    return { records: row.records, oldestCreatedAtUs: row.oldest_created_at_us };
  }

  async listMachines(
    namespace: string,
    options: { afterId?: string; limit: number },
  ): Promise<MachineRecord[]> {
    const rows = this.#run(() =>
      this.#statement(sql.LIST_MACHINES).all(namespace, options.afterId ?? "", options.limit),
    ) as MachineRow[];
    return rows.map(machineFromRow);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
