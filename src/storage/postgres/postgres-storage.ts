/**
 * The PostgreSQL storage: many nodes share one database; leases, fenced writes and SKIP LOCKED claims keep one
 * writer per machine. Round trips: acquireLease 1 (lease and record pipelined), commit 3 per batch, each claim
 * 1, readMachineWithEvents 2 (a pipelined REPEATABLE READ snapshot), every other call 1.
 */
import assert from "node:assert/strict";
import type pg from "pg";
import type { AuditDraft, AuditEntry, AuditQuery } from "../../core/audit.js";
import { coerceError } from "../../core/errors.js";
import type { EventSpan } from "../../core/history-range.js";
import type { IdempotencyRecord } from "../../core/idempotency.js";
import type { JournalEntry } from "../../core/journal.js";
import type { Event, MachineRecord, MachineStatus } from "../../core/machine.js";
import { machineKey } from "../../core/machine.js";
import type { Notification } from "../../core/notification.js";
import type {
  AcquireResult,
  ClaimedMachine,
  ClaimedNotification,
  ClaimOptions,
  CommitOutcome,
  Lease,
  ReleaseRequest,
  StepCommit,
} from "../machine-store.js";
import type { MachineSearch } from "../operator-queries.js";
import type { OutboxBacklog, OutboxRead, ParkedOutboxRecord, StoredOutboxRecord } from "../outbox-store.js";
import { type EventRow, eventFromRow, type MachineRow, machineFromRow, takenOverFrom } from "../rows.js";
import type { SchemaVersions, Storage } from "../storage.js";
import { commitSteps } from "./commit-steps.js";
import { assertSchemaCurrent, migratePostgres } from "./migrate.js";
import { LATEST_SCHEMA_VERSION } from "./migrations/index.js";
import { clientConfigOf, createPool, inOneWrite, withClient } from "./pool.js";
import { PostgresAudit } from "./postgres-audit.js";
import { PostgresBulk } from "./postgres-bulk.js";
import { PostgresJournal } from "./postgres-journal.js";
import { PostgresOperatorQueries } from "./postgres-operator-queries.js";
import { PostgresOutbox } from "./postgres-outbox.js";
import {
  type ClaimedNotificationRow,
  claimedNotificationFromRow,
  type LeaseRow,
  leaseFromRow,
} from "./rows.js";
import { DEFAULT_SCHEMA_NAME, type QuotedSchemaName, quoteSchemaName, wakeChannelOf } from "./schema-name.js";
import * as events from "./sql/events.js";
import * as leases from "./sql/leases.js";
import * as machines from "./sql/machines.js";
import * as notificationClaims from "./sql/notification-claims.js";
import * as timers from "./sql/timers.js";
import { WakeListener } from "./wake-listener.js";

export interface PostgresStorageOptions {
  readonly connectionString: string;
  /** The schema holding Ratchet's tables; default "ratchet". Several deployments may share a database. */
  readonly schema?: string;
  /** Connections in the pool; the wake listener has one more of its own. */
  readonly poolSize: number;
  /** The server cancels a statement running longer than this; the call then fails as StorageUnavailableError. */
  readonly statementTimeoutMs: number;
  /**
   * The server ends a session idle inside a transaction longer than this (statementTimeoutMs when absent). A node
   * frozen in the middle of a group commit holds its machines' lease rows locked until then, so a node sets it to
   * its lease duration: no takeover waits longer than a lease for a stalled node's locks.
   */
  readonly idleInTransactionTimeoutMs?: number;
  /** Opening a connection or waiting for a free one fails after this; default 5000. */
  readonly connectionTimeoutMs?: number;
  /** Shown in pg_stat_activity; the wake listener's connection adds "/wake". */
  readonly applicationName: string;
  /** The current instant, for migration bookkeeping only. */
  readonly nowUs: () => number;
  /** Errors no caller awaits: a broken idle connection, a lost wake listener connection. */
  readonly onBackgroundError?: (error: Error) => void;
}

const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;

/** nextDueAtUs looks at this many earliest due machines and notifications (an estimate, not a claim). */
const NEXT_DUE_CANDIDATES = 64;

/** A notification claim considers this many due notifications per notification it may return. */
const NOTIFICATION_CANDIDATES_PER_CLAIM = 4;

export class PostgresStorage implements Storage {
  readonly #pool: pg.Pool;
  /**
   * Lease writes (acquire, claim, renew, release) commit without waiting for a WAL flush. That is safe: a lost
   * lease write can only make a lease look free or expired sooner, never let a stale holder write, because the
   * holder's step commit checks the epoch and is synchronous, and its WAL flush covers every earlier record,
   * the lease write included. It halves the flushes of a call (2 → 1 per step).
   */
  readonly #leasePool: pg.Pool;
  readonly #schema: QuotedSchemaName;
  readonly #schemaName: string;
  readonly #wakeChannel: string;
  readonly #wakeListeners = new Set<(release: ReleaseRequest | null) => void>();
  readonly #wakeListener: WakeListener;
  readonly #outbox: PostgresOutbox;
  readonly #journal: PostgresJournal;
  readonly #audit: PostgresAudit;
  readonly #queries: PostgresOperatorQueries;
  readonly bulkRuns: PostgresBulk;
  /**
   * Two: while one batch's transaction is in the database, the engine runs the steps that make the next. More
   * would split the same steps into smaller batches and spend the database's CPU on per-transaction work.
   */
  readonly commitsInFlightMax = 2;
  #closed = false;

  /** Connects and checks (or, with `migrate`, brings up) the schema before answering. */
  static async open(
    options: PostgresStorageOptions & { readonly migrate: boolean },
  ): Promise<PostgresStorage> {
    const storage = new PostgresStorage(options);
    try {
      if (options.migrate) await migratePostgres(storage.#pool, storage.#schemaName, options.nowUs());
      else await assertSchemaCurrent(storage.#pool, storage.#schemaName);
    } catch (error) {
      await storage.close();
      throw error;
    }
    return storage;
  }

  /** Connects lazily; prefer `open`, which also checks the schema. */
  constructor(options: PostgresStorageOptions) {
    this.#schemaName = options.schema ?? DEFAULT_SCHEMA_NAME;
    this.#schema = quoteSchemaName(this.#schemaName);
    this.#wakeChannel = wakeChannelOf(this.#schemaName);
    const onBackgroundError = options.onBackgroundError ?? (() => undefined);
    const connection = {
      connectionString: options.connectionString,
      applicationName: options.applicationName,
      statementTimeoutMs: options.statementTimeoutMs,
      ...(options.idleInTransactionTimeoutMs === undefined
        ? {}
        : { idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs }),
      connectionTimeoutMs: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    };
    this.#pool = createPool({ ...connection, poolSize: options.poolSize }, onBackgroundError);
    this.#leasePool = createPool(
      {
        ...connection,
        poolSize: Math.max(2, Math.ceil(options.poolSize / 2)),
        synchronousCommit: false,
      },
      onBackgroundError,
    );
    this.#outbox = new PostgresOutbox(this.#pool, this.#schema);
    this.#journal = new PostgresJournal(this.#pool, this.#schema);
    this.#audit = new PostgresAudit(this.#pool, this.#schema);
    this.bulkRuns = new PostgresBulk(this.#pool, this.#schema);
    this.#queries = new PostgresOperatorQueries(this.#pool, this.#schema, this.#wakeChannel);
    this.#wakeListener = new WakeListener({
      clientConfig: clientConfigOf({ ...connection, applicationName: `${options.applicationName}/wake` }),
      channel: this.#wakeChannel,
      onWake: (payload) => {
        const release = releaseRequestOf(payload);
        for (const listener of this.#wakeListeners) {
          try {
            listener(release);
          } catch (error) {
            // One listener's exception must not keep the others from hearing the wake.
            onBackgroundError(coerceError(error));
          }
        }
      },
      onError: onBackgroundError,
    });
  }

  async acquireLease(options: {
    namespace: string;
    machineId: string;
    owner: string;
    nowUs: number;
    untilUs: number;
  }): Promise<AcquireResult> {
    // Pipelined, the record is read by a second statement that starts after the lease is committed: it sees
    // every commit of the previous holder, and no later one can pass the fence. (Read inside the lease
    // statement it could come from a snapshot taken before a commit the lease had to wait for.)
    const [taken, read] = await withClient(this.#leasePool, (client) =>
      Promise.all(
        inOneWrite(client, () => [
          client.query<LeaseRow>(leases.acquireLease(this.#schema, options)),
          client.query<MachineRow>(machines.readMachine(this.#schema, options.namespace, options.machineId)),
        ]),
      ),
    );
    const lease = taken.rows[0];
    assert.ok(lease !== undefined, "the lease upsert always answers with the lease row");
    if (lease.owner !== options.owner) return { acquired: false, heldUntilUs: lease.expires_at_us };
    const row = read.rows[0];
    return {
      acquired: true,
      lease: leaseFromRow(lease),
      record: row === undefined ? null : machineFromRow(row),
    };
  }

  async releaseLease(lease: Lease): Promise<void> {
    await withClient(this.#leasePool, (client) =>
      client.query(leases.releaseLease(this.#schema, lease, this.#wakeChannel)),
    );
  }

  async renewLeases(held: readonly Lease[], untilUs: number): Promise<Lease[]> {
    if (held.length === 0) return [];
    const renewed = await withClient(this.#leasePool, (client) =>
      client.query<Pick<LeaseRow, "namespace" | "machine_id" | "epoch">>(
        leases.renewLeases(this.#schema, held, untilUs),
      ),
    );
    const kept = new Set(
      renewed.rows.map((row) => `${machineKey(row.namespace, row.machine_id)}\u0000${row.epoch}`),
    );
    return held.filter(
      (lease) => !kept.has(`${machineKey(lease.namespace, lease.machineId)}\u0000${lease.epoch}`),
    );
  }

  async commit(steps: readonly StepCommit[]): Promise<CommitOutcome[]> {
    if (steps.length === 0) return [];
    return withClient(this.#pool, (client) =>
      commitSteps(client, { schema: this.#schema, wakeChannel: this.#wakeChannel }, steps),
    );
  }

  async readMachine(namespace: string, machineId: string): Promise<MachineRecord | null> {
    const result = await withClient(this.#pool, (client) =>
      client.query<MachineRow>(machines.readMachine(this.#schema, namespace, machineId)),
    );
    const row = result.rows[0];
    return row === undefined ? null : machineFromRow(row);
  }

  async readMachineWithEvents(
    namespace: string,
    machineId: string,
    selectSpan: (record: MachineRecord) => EventSpan | null,
  ): Promise<{ record: MachineRecord; events: Event[] } | null> {
    return withClient(this.#pool, async (client) => {
      // One REPEATABLE READ snapshot for both reads; each pair of statements shares a round trip.
      const [, read] = await Promise.all(
        inOneWrite(client, () => [
          client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
          client.query<MachineRow>(machines.readMachine(this.#schema, namespace, machineId)),
        ]),
      );
      const row = read.rows[0];
      const record = row === undefined ? null : machineFromRow(row);
      const span = record === null ? null : selectSpan(record);
      const [found] = await Promise.all(
        inOneWrite(client, () => [
          span === null
            ? undefined
            : client.query<EventRow>(events.readEvents(this.#schema, { namespace, machineId, span })),
          client.query("COMMIT"),
        ]),
      );
      if (record === null) return null;
      return { record, events: found?.rows.map(eventFromRow) ?? [] };
    });
  }

  async readEvents(namespace: string, machineId: string, span: EventSpan): Promise<Event[]> {
    const result = await withClient(this.#pool, (client) =>
      client.query<EventRow>(events.readEvents(this.#schema, { namespace, machineId, span })),
    );
    return result.rows.map(eventFromRow);
  }

  async claimDueTimers(options: ClaimOptions): Promise<ClaimedMachine[]> {
    const result = await withClient(this.#leasePool, (client) =>
      client.query<MachineRow & { epoch: number; previous_owner: string | null }>(
        timers.claimDueTimers(this.#schema, options),
      ),
    );
    return result.rows.map((row) => ({
      lease: leaseFromRow({ ...row, owner: options.owner }),
      record: machineFromRow(row),
      ...takenOverFrom(row.previous_owner, options.owner),
    }));
  }

  async claimDueNotifications(options: ClaimOptions): Promise<ClaimedNotification[]> {
    const candidateLimit = options.limit * NOTIFICATION_CANDIDATES_PER_CLAIM;
    const result = await withClient(this.#leasePool, (client) =>
      client.query<ClaimedNotificationRow & { previous_owner: string | null }>(
        notificationClaims.claimDueNotifications(this.#schema, { ...options, candidateLimit }),
      ),
    );
    return result.rows.map((row) => ({
      lease: leaseFromRow({ ...row, owner: options.owner }),
      record: machineFromRow(row),
      notification: claimedNotificationFromRow(row),
      ...takenOverFrom(row.previous_owner, options.owner),
    }));
  }

  async nextDueAtUs(namespaces: readonly string[]): Promise<number | null> {
    const result = await withClient(this.#pool, (client) =>
      client.query<{ due_at_us: number | null }>(
        timers.nextDueAtUs(this.#schema, { candidateLimit: NEXT_DUE_CANDIDATES, namespaces }),
      ),
    );
    return result.rows[0]?.due_at_us ?? null;
  }

  /** Listens (on a connection of its own) while at least one listener is registered. */
  onWake(listener: (release: ReleaseRequest | null) => void): () => void {
    assert.ok(!this.#closed, "onWake on a closed storage");
    this.#wakeListeners.add(listener);
    if (this.#wakeListeners.size === 1) this.#wakeListener.start();
    return () => {
      if (!this.#wakeListeners.delete(listener) || this.#wakeListeners.size > 0) return;
      void this.#wakeListener.stop();
    };
  }

  async requestRelease({ namespace, machineId, requester }: ReleaseRequest): Promise<void> {
    const payload = JSON.stringify({ release: [namespace, machineId, requester] });
    await withClient(this.#leasePool, (client) =>
      client.query(leases.notifyWake(this.#wakeChannel, payload)),
    );
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

  insertNotification(
    notification: Notification,
    options?: { idempotency?: IdempotencyRecord },
  ): Promise<IdempotencyRecord | null> {
    return this.#queries.insertNotification(notification, options);
  }

  readIdempotencyKey(namespace: string, key: string): Promise<IdempotencyRecord | null> {
    return this.#queries.readIdempotencyKey(namespace, key);
  }

  pruneIdempotencyKeys(options: { createdBeforeUs: number; limit: number }): Promise<number> {
    return this.#queries.pruneIdempotencyKeys(options);
  }

  listMachines(namespace: string, options: { afterId?: string; limit: number }): Promise<MachineRecord[]> {
    return this.#queries.listMachines(namespace, options);
  }

  searchMachines(namespace: string, search: MachineSearch): Promise<MachineRecord[]> {
    return this.#queries.searchMachines(namespace, search);
  }

  countMachinesByStatus(
    namespace: string,
    options: { capPerStatus: number },
  ): Promise<Record<MachineStatus, number>> {
    return this.#queries.countMachinesByStatus(namespace, options);
  }

  listNotifications(namespace: string, machineId: string): Promise<Notification[]> {
    return this.#queries.listNotifications(namespace, machineId);
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

  countTimersDue(namespace: string, options: { dueBeforeUs: number; cap: number }): Promise<number> {
    return this.#queries.countTimersDue(namespace, options);
  }

  oldestOverdueTimer(namespace: string, options: { nowUs: number }): Promise<number | null> {
    return this.#queries.oldestOverdueTimer(namespace, options);
  }

  oldestPendingNotification(namespace: string, options: { candidatesMax: number }): Promise<number | null> {
    return this.#queries.oldestPendingNotification(namespace, options);
  }

  async readSchemaVersions(): Promise<SchemaVersions> {
    return { applied: await this.#queries.readSchemaVersion(), expected: LATEST_SCHEMA_VERSION };
  }

  appendAudit(entry: AuditDraft): Promise<void> {
    return this.#audit.appendAudit(entry);
  }

  listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.#audit.listAudit(query);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wakeListeners.clear();
    await this.#wakeListener.stop();
    await Promise.all([this.#pool.end(), this.#leasePool.end()]);
  }
}

/**
 * A wake's payload: empty for work made due, `{"release":[namespace, machine id, requester]}` for a release
 * request (see requestRelease). A payload of another shape is a plain wake: waking for nothing costs one look.
 */
function releaseRequestOf(payload: string): ReleaseRequest | null {
  if (payload === "") return null;
  try {
    const { release } = JSON.parse(payload) as { release?: unknown };
    if (!Array.isArray(release) || !release.every((part) => typeof part === "string")) return null;
    const [namespace, machineId, requester] = release as string[];
    if (namespace === undefined || machineId === undefined || requester === undefined) return null;
    return { namespace, machineId, requester };
  } catch {
    return null;
  }
}
