/**
 * The embedded storage: the three ports over one SQLite file (sqlite-database.ts). better-sqlite3 is synchronous,
 * so every method runs to completion inside one event-loop turn, and the writes of a turn (lease acquisitions,
 * releases, step commits of many machines) share one transaction and one fsync.
 */

import type { AuditDraft, AuditEntry, AuditQuery } from "../../core/audit.js";
import { LeaseLostError, MachineAlreadyExistsError, MachineNotFoundError } from "../../core/errors.js";
import type { EventSpan } from "../../core/history-range.js";
import type { IdempotencyRecord } from "../../core/idempotency.js";
import type { JournalEntry } from "../../core/journal.js";
import type { Event, MachineRecord, MachineStatus } from "../../core/machine.js";
import type { Notification } from "../../core/notification.js";
import { type IdempotencyRow, idempotencyFromRow, idempotencyToRow } from "../idempotency-rows.js";
import type {
  AcquireResult,
  ClaimedMachine,
  ClaimedNotification,
  ClaimOptions,
  CommitOutcome,
  Lease,
  StepCommit,
} from "../machine-store.js";
import type { MachineSearch } from "../operator-queries.js";
import type { OutboxBacklog, OutboxRead, ParkedOutboxRecord, StoredOutboxRecord } from "../outbox-store.js";
import type { EventRow, MachineRow, NotificationRow } from "../rows.js";
import {
  eventFromRow,
  machineFromRow,
  notificationFromRow,
  notificationToRow,
  takenOverFrom,
} from "../rows.js";
import type { SchemaVersions, Storage } from "../storage.js";
import { LATEST_SQLITE_SCHEMA_VERSION } from "./migrations/index.js";
import * as dueWork from "./sql/due-work.js";
import * as events from "./sql/events.js";
import * as idempotency from "./sql/idempotency.js";
import * as leases from "./sql/leases.js";
import * as machines from "./sql/machines.js";
import * as notificationClaims from "./sql/notification-claims.js";
import * as notifications from "./sql/notifications.js";
import * as search from "./sql/search.js";
import * as timers from "./sql/timers.js";
import { SqliteAudit } from "./sqlite-audit.js";
import { SqliteBulk } from "./sqlite-bulk.js";
import { commitStep } from "./sqlite-commit.js";
import { SqliteDatabase, type SqliteDatabaseOptions } from "./sqlite-database.js";
import { SqliteJournal } from "./sqlite-journal.js";
import { SqliteOutbox } from "./sqlite-outbox.js";

export type SqliteStorageOptions = SqliteDatabaseOptions;

export class SqliteStorage implements Storage {
  readonly #database: SqliteDatabase;
  readonly #outbox: SqliteOutbox;
  readonly #journal: SqliteJournal;
  readonly #audit: SqliteAudit;
  readonly bulkRuns: SqliteBulk;
  /** One: the database has one writer, and a commit holds it until it ends. */
  readonly commitsInFlightMax = 1;

  constructor(options: SqliteStorageOptions) {
    this.#database = new SqliteDatabase(options);
    this.bulkRuns = new SqliteBulk(this.#database);
    this.#outbox = new SqliteOutbox(this.#database);
    this.#journal = new SqliteJournal(this.#database);
    this.#audit = new SqliteAudit(this.#database);
  }

  #statement(text: string) {
    return this.#database.statement(text);
  }

  async acquireLease(options: {
    namespace: string;
    machineId: string;
    owner: string;
    nowUs: number;
    untilUs: number;
  }): Promise<AcquireResult> {
    const { namespace, machineId, owner, nowUs, untilUs } = options;
    return this.#database.writeLeases((): AcquireResult => {
      const held = this.#statement(leases.READ_LEASE).get(namespace, machineId) as
        | { owner: string; epoch: number; expires_at_us: number }
        | undefined;
      if (held !== undefined && held.owner !== owner && held.expires_at_us > nowUs) {
        return { acquired: false, heldUntilUs: held.expires_at_us };
      }
      const lease = this.#takeLease(namespace, machineId, owner, untilUs);
      const row = this.#statement(machines.READ_MACHINE).get(namespace, machineId) as MachineRow | undefined;
      return { acquired: true, lease, record: row === undefined ? null : machineFromRow(row) };
    });
  }

  #takeLease(namespace: string, machineId: string, owner: string, untilUs: number): Lease {
    const { value: epoch } = this.#statement(leases.NEXT_LEASE_EPOCH).get() as { value: number };
    this.#statement(leases.UPSERT_LEASE).run(namespace, machineId, owner, epoch, untilUs);
    return { namespace, machineId, owner, epoch };
  }

  async releaseLease(lease: Lease): Promise<void> {
    await this.#database.writeLeases(() =>
      this.#statement(leases.DELETE_LEASE).run(lease.namespace, lease.machineId, lease.epoch),
    );
  }

  async renewLeases(held: readonly Lease[], untilUs: number): Promise<Lease[]> {
    return this.#database.writeLeases(() =>
      held.filter(
        (lease) =>
          this.#statement(leases.EXTEND_LEASE).run(untilUs, lease.namespace, lease.machineId, lease.epoch)
            .changes === 0,
      ),
    );
  }

  async commit(steps: readonly StepCommit[]): Promise<CommitOutcome[]> {
    let journaled = 0;
    const outcomes = await this.#database.write(() =>
      steps.map((step): CommitOutcome => {
        try {
          // A step that fails its fence or creates an existing machine has written nothing (sqlite-commit.ts).
          commitStep(this.#database, step);
          journaled += step.journal?.length ?? 0;
          return { ok: true };
        } catch (error) {
          if (error instanceof LeaseLostError || error instanceof MachineAlreadyExistsError)
            return { ok: false, error };
          throw error;
        }
      }),
    );
    this.#journal.written(journaled);
    return outcomes;
  }

  async readMachine(namespace: string, machineId: string): Promise<MachineRecord | null> {
    const row = this.#database.read(() => this.#statement(machines.READ_MACHINE).get(namespace, machineId)) as
      | MachineRow
      | undefined;
    return row === undefined ? null : machineFromRow(row);
  }

  async readMachineWithEvents(
    namespace: string,
    machineId: string,
    selectSpan: (record: MachineRecord) => EventSpan | null,
  ): Promise<{ record: MachineRecord; events: Event[] } | null> {
    return this.#database.read(() => {
      const row = this.#statement(machines.READ_MACHINE).get(namespace, machineId) as MachineRow | undefined;
      if (row === undefined) return null;
      const record = machineFromRow(row);
      const span = selectSpan(record);
      return { record, events: span === null ? [] : this.#readEvents(namespace, machineId, span) };
    });
  }

  async readEvents(namespace: string, machineId: string, span: EventSpan): Promise<Event[]> {
    return this.#database.read(() => this.#readEvents(namespace, machineId, span));
  }

  #readEvents(namespace: string, machineId: string, span: EventSpan): Event[] {
    const forward = span.direction === "forward";
    const low = forward ? span.from : span.to;
    const high = forward ? span.to : span.from;
    const text = forward ? events.READ_EVENTS_FORWARD : events.READ_EVENTS_BACKWARD;
    const rows = this.#statement(text).all(namespace, machineId, low, high) as EventRow[];
    return rows.map(eventFromRow);
  }

  async claimDueTimers(options: ClaimOptions): Promise<ClaimedMachine[]> {
    return this.#database.writeLeases(() => {
      const rows = this.#statement(timers.SELECT_DUE_TIMERS).all({
        now: options.nowUs,
        limit: options.limit,
        namespaces: JSON.stringify(options.namespaces),
      }) as (MachineRow & LeaseOwnerColumn)[];
      return rows.map((row) => ({
        lease: this.#takeLease(row.namespace, row.machine_id, options.owner, options.untilUs),
        record: machineFromRow(row),
        ...takenOverFrom(row.lease_owner, options.owner),
      }));
    });
  }

  async claimDueNotifications(options: ClaimOptions): Promise<ClaimedNotification[]> {
    return this.#database.writeLeases(() => {
      const rows = this.#statement(notificationClaims.SELECT_DUE_NOTIFICATIONS).all({
        now: options.nowUs,
        limit: options.limit,
        namespaces: JSON.stringify(options.namespaces),
      }) as (NotificationRow & LeaseOwnerColumn)[];
      const claimed: ClaimedNotification[] = [];
      const seen = new Set<string>();
      for (const row of rows) {
        const key = `${row.namespace}\u0000${row.machine_id}`;
        if (seen.has(key)) continue; // one notification per machine per claim: the lease is per machine
        seen.add(key);
        const machine = this.#statement(machines.READ_MACHINE).get(
          row.namespace,
          row.machine_id,
        ) as MachineRow;
        claimed.push({
          lease: this.#takeLease(row.namespace, row.machine_id, options.owner, options.untilUs),
          record: machineFromRow(machine),
          notification: notificationFromRow(row),
          ...takenOverFrom(row.lease_owner, options.owner),
        });
      }
      return claimed;
    });
  }

  async nextDueAtUs(namespaces: readonly string[]): Promise<number | null> {
    return this.#database.read(() => {
      const parameters = { namespaces: JSON.stringify(namespaces) };
      const timer = this.#statement(timers.NEXT_DUE_TIMER).get(parameters) as { due: number | null };
      const notification = this.#statement(notificationClaims.NEXT_DUE_NOTIFICATION).get(parameters) as {
        due: number | null;
      };
      const candidates = [timer.due, notification.due].filter((due): due is number => due !== null);
      return candidates.length === 0 ? null : Math.min(...candidates);
    });
  }

  async insertNotification(
    notification: Notification,
    options: { idempotency?: IdempotencyRecord } = {},
  ): Promise<IdempotencyRecord | null> {
    const { idempotency: keyed } = options;
    return this.#database.write(() => {
      if (keyed !== undefined) {
        const stored = this.#readIdempotencyKey(keyed.namespace, keyed.key);
        if (stored !== null) return stored;
      }
      const found = this.#statement(machines.MACHINE_EXISTS).get(
        notification.namespace,
        notification.machineId,
      );
      if (found === undefined) throw new MachineNotFoundError(notification.namespace, notification.machineId);
      this.#statement(notifications.INSERT_NOTIFICATION).run(notificationToRow(notification));
      if (keyed !== undefined) {
        this.#statement(idempotency.INSERT_IDEMPOTENCY_KEY).run(idempotencyToRow(keyed));
      }
      return null;
    });
  }

  async readIdempotencyKey(namespace: string, key: string): Promise<IdempotencyRecord | null> {
    return this.#database.read(() => this.#readIdempotencyKey(namespace, key));
  }

  #readIdempotencyKey(namespace: string, key: string): IdempotencyRecord | null {
    const row = this.#statement(idempotency.READ_IDEMPOTENCY_KEY).get(namespace, key) as
      | IdempotencyRow
      | undefined;
    return row === undefined ? null : idempotencyFromRow(row);
  }

  async pruneIdempotencyKeys(options: { createdBeforeUs: number; limit: number }): Promise<number> {
    return this.#database.write(
      () =>
        this.#statement(idempotency.PRUNE_IDEMPOTENCY_KEYS).run(options.createdBeforeUs, options.limit)
          .changes,
    );
  }

  async searchMachines(namespace: string, filters: MachineSearch): Promise<MachineRecord[]> {
    const { text, values } = search.searchMachines(namespace, filters);
    const rows = this.#database.read(() => this.#statement(text).all(...values)) as MachineRow[];
    return rows.map(machineFromRow);
  }

  async countMachinesByStatus(
    namespace: string,
    options: { capPerStatus: number },
  ): Promise<Record<MachineStatus, number>> {
    return this.#database.read(
      () =>
        this.#statement(search.COUNT_MACHINES_BY_STATUS).get({
          namespace,
          cap: options.capPerStatus,
        }) as Record<MachineStatus, number>,
    );
  }

  async countTimersDue(namespace: string, options: { dueBeforeUs: number; cap: number }): Promise<number> {
    const row = this.#database.read(() =>
      this.#statement(dueWork.COUNT_TIMERS_DUE).get({
        namespace,
        dueBefore: options.dueBeforeUs,
        cap: options.cap,
      }),
    ) as { due: number };
    return row.due;
  }

  async oldestOverdueTimer(namespace: string, options: { nowUs: number }): Promise<number | null> {
    const row = this.#database.read(() =>
      this.#statement(dueWork.OLDEST_OVERDUE_TIMER).get({ namespace, now: options.nowUs }),
    ) as { due_at_us: number | null };
    return row.due_at_us;
  }

  async oldestPendingNotification(
    namespace: string,
    options: { candidatesMax: number },
  ): Promise<number | null> {
    const row = this.#database.read(() =>
      this.#statement(dueWork.OLDEST_PENDING_NOTIFICATION).get({
        namespace,
        candidates: options.candidatesMax,
      }),
    ) as { created_at_us: number | null };
    return row.created_at_us;
  }

  async readSchemaVersions(): Promise<SchemaVersions> {
    const row = this.#database.read(() => this.#statement(dueWork.READ_SCHEMA_VERSION).get()) as {
      version: number;
    };
    return { applied: row.version, expected: LATEST_SQLITE_SCHEMA_VERSION };
  }

  async listMachines(
    namespace: string,
    options: { afterId?: string; limit: number },
  ): Promise<MachineRecord[]> {
    const rows = this.#database.read(() =>
      this.#statement(machines.LIST_MACHINES).all(namespace, options.afterId ?? "", options.limit),
    ) as MachineRow[];
    return rows.map(machineFromRow);
  }

  async listNotifications(namespace: string, machineId: string): Promise<Notification[]> {
    const rows = this.#database.read(() =>
      this.#statement(notifications.LIST_NOTIFICATIONS).all(namespace, machineId),
    ) as NotificationRow[];
    return rows.map(notificationFromRow);
  }

  readOutbox(options: OutboxRead): Promise<StoredOutboxRecord[]> {
    return this.#outbox.readOutbox(options);
  }

  deleteOutbox(options: { lease: Lease; sink: string; positions: readonly number[] }): Promise<number> {
    return this.#outbox.deleteOutbox(options);
  }

  parkOutboxRecord(options: {
    lease: Lease;
    sink: string;
    position: number;
    reason: string;
    nowUs: number;
  }): Promise<void> {
    return this.#outbox.parkOutboxRecord(options);
  }

  listParked(options: {
    sink?: string;
    afterPosition?: number;
    limit: number;
  }): Promise<ParkedOutboxRecord[]> {
    return this.#outbox.listParked(options);
  }

  requeueParked(options: { sink: string; positions: readonly number[] }): Promise<number> {
    return this.#outbox.requeueParked(options);
  }

  dropParked(options: { sink: string; positions: readonly number[] }): Promise<number> {
    return this.#outbox.dropParked(options);
  }

  replayEvents(options: {
    sink: string;
    namespace: string;
    machineId?: string;
    afterEventId?: number;
  }): Promise<number> {
    return this.#outbox.replayEvents(options);
  }

  outboxPending(options: {
    sinks: readonly string[];
    namespace: string;
    machineId: string;
    eventIdMax: number;
    committedAtUsMax: number;
  }): Promise<number> {
    return this.#outbox.outboxPending(options);
  }

  outboxBacklog(sink: string): Promise<OutboxBacklog> {
    return this.#outbox.outboxBacklog(sink);
  }

  listSteps(
    namespace: string,
    machineId: string,
    options: { after: number; limit: number; direction: "forward" | "backward" },
  ): Promise<JournalEntry[]> {
    return this.#journal.listSteps(namespace, machineId, options);
  }

  readJournalWindow(
    namespace: string,
    options: { sinceUs: number; untilUs: number; limit: number },
  ): Promise<{ machineId: string; entry: JournalEntry }[]> {
    return this.#journal.readJournalWindow(namespace, options);
  }

  pruneJournal(options: {
    namespace: string;
    endedBeforeUs: number;
    keepPerMachine: number;
    updatedSinceUs: number;
    limit: number;
  }): Promise<number> {
    return this.#journal.pruneJournal(options);
  }

  appendAudit(entry: AuditDraft): Promise<void> {
    return this.#audit.appendAudit(entry);
  }

  listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.#audit.listAudit(query);
  }

  async close(): Promise<void> {
    this.#database.close();
  }
}

/** The owner of the lease row a claim found (expired, or the claim would not have chosen it); null: none. */
interface LeaseOwnerColumn {
  readonly lease_owner: string | null;
}
