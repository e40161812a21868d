/**
 * A storage adapter implements all four ports over one database: the machine store (the engine's), the outbox
 * store (the relays' and operators'), operator queries and the audit store. The composition root hands each part to its user.
 */
import type { AuditStore } from "./audit-store.js";
import type { MachineStore } from "./machine-store.js";
import type { OperatorQueries } from "./operator-queries.js";
import type { OutboxStore } from "./outbox-store.js";

export type { AuditStore } from "./audit-store.js";
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

export interface Storage extends MachineStore, OutboxStore, OperatorQueries, AuditStore {
  /** Closes connections; the storage is not used again. */
  close(): Promise<void>;
}
