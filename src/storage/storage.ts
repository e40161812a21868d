/**
 * A storage adapter implements all four ports over one database: the machine store (the engine's), the outbox
 * store (the relays' and operators'), operator queries and the audit store; and holds the bulk store
 * (`bulkRuns`), the bulk runner's and the JSON API's. The composition root hands each part to its user.
 */
import type { AuditStore } from "./audit-store.js";
import type { BulkStore } from "./bulk-store.js";
import type { MachineStore } from "./machine-store.js";
import type { OperatorQueries } from "./operator-queries.js";
import type { OutboxStore } from "./outbox-store.js";

export type { AuditStore } from "./audit-store.js";
export type { BulkFilter, BulkOutcome, BulkRun, BulkRunLease, BulkStore, NewBulkRun } from "./bulk-store.js";
export type {
  AcquireResult,
  ClaimedMachine,
  ClaimedNotification,
  ClaimOptions,
  CommitOutcome,
  Lease,
  MachineStore,
  NotificationOutcome,
  OutboxEntry,
  StepCommit,
} from "./machine-store.js";
export type { MachineSearch, MachineSearchStatus, OperatorQueries } from "./operator-queries.js";
export type { OutboxBacklog, OutboxStore, ParkedOutboxRecord, StoredOutboxRecord } from "./outbox-store.js";

/** The schema version a database has and the one this binary needs (they differ only after a deployment slip). */
export interface SchemaVersions {
  readonly applied: number;
  readonly expected: number;
}

export interface Storage extends MachineStore, OutboxStore, OperatorQueries, AuditStore {
  /**
   * Reaches the database with one cheap statement that reads the applied schema version: what a readiness probe
   * asks. Throws StorageUnavailableError when the database cannot be reached.
   */
  readSchemaVersions(): Promise<SchemaVersions>;

  /** Bulk runs and their outcomes, over the same database. */
  readonly bulkRuns: BulkStore;

  /** Closes connections; the storage is not used again. */
  close(): Promise<void>;
}
