/**
 * The Storage port: everything the engine asks of a database, and nothing more. Every adapter passes the
 * conformance suite in `conformance.ts`. All instants are µs; the engine passes "now" in, storage never reads
 * a clock of its own for decisions.
 */
import type { EventSpan } from "../core/history-range.js";
import type { Content, Event, MachineRecord } from "../core/machine.js";
import type { Notification } from "../core/notification.js";
import type { OutboxDraft, OutboxRecord } from "../core/outbox.js";

/** The right to write one machine. Epochs grow monotonically across all leases of a storage. */
export interface Lease {
  readonly namespace: string;
  readonly machineId: string;
  readonly owner: string;
  readonly epoch: number;
}

export type AcquireResult =
  | { readonly acquired: true; readonly lease: Lease; readonly record: MachineRecord | null }
  | { readonly acquired: false; readonly heldUntilUs: number };

export type NotificationOutcome =
  | { readonly kind: "delivered" }
  | {
      readonly kind: "retry";
      readonly dueAtUs: number;
      readonly attempt: number;
      readonly firstFailedAtUs: number;
      readonly lastError: string;
    };

/** Everything one step writes, committed atomically or not at all. */
export interface StepCommit {
  readonly lease: Lease;
  /** create inserts the machine; update replaces its record; remove deletes it with its history and notifications. */
  readonly kind: "create" | "update" | "remove";
  /** The record after the step (for remove: the last one). */
  readonly record: MachineRecord;
  /** New events, ids contiguous after `record.lastEventId − events.length`. */
  readonly events: readonly Event[];
  /** A notification this step delivered, or whose delivery failed transiently. */
  readonly notification?: { readonly id: string; readonly outcome: NotificationOutcome };
  /** Keep the lease until this instant (the holder runs the next step at once), or null to release it. */
  readonly leaseUntilUs: number | null;
  /** Records for the sinks, stored in the same transaction (kept even when the step removes the machine). */
  readonly outbox?: readonly OutboxEntry[];
}

/** One outbox record bound for one sink. */
export interface OutboxEntry {
  readonly sink: string;
  readonly draft: OutboxDraft;
}

/** A stored outbox record; `position` grows with commit order and numbers lifecycle records (their sequence). */
export interface StoredOutboxRecord {
  readonly position: number;
  readonly record: OutboxRecord;
}

export type CommitOutcome = { readonly ok: true } | { readonly ok: false; readonly error: Error };

export interface ClaimedMachine {
  readonly lease: Lease;
  readonly record: MachineRecord;
}

export interface ClaimedNotification extends ClaimedMachine {
  readonly notification: Notification;
}

export interface ClaimOptions {
  readonly owner: string;
  readonly nowUs: number;
  /** Lease expiry for what is claimed. */
  readonly untilUs: number;
  readonly limit: number;
}

export interface Storage {
  /**
   * Takes the machine's lease if nobody holds a live one (an expired lease, or one of the same owner, is
   * taken over with a new epoch) and reads its record in the same transaction. A machine that does not exist
   * can be leased too: that is how start keeps two nodes from creating the same machine.
   */
  acquireLease(options: {
    namespace: string;
    machineId: string;
    owner: string;
    nowUs: number;
    untilUs: number;
  }): Promise<AcquireResult>;

  /** Gives the lease up if it is still this one; otherwise does nothing. */
  releaseLease(lease: Lease): Promise<void>;

  /** Extends live leases; returns those that were lost (expired and taken, or released). */
  renewLeases(leases: readonly Lease[], untilUs: number): Promise<Lease[]>;

  /** Commits steps, each atomically and fenced by its lease: a step whose lease is gone gets LeaseLostError
   * and writes nothing, a create of an existing machine gets MachineAlreadyExistsError; others still commit.
   * Outcomes are in the order of `steps`. */
  commit(steps: readonly StepCommit[]): Promise<CommitOutcome[]>;

  /** The committed record, or null. */
  readMachine(namespace: string, machineId: string): Promise<MachineRecord | null>;

  /** A machine's record and the events of a span of its history, read from one snapshot; null if absent.
   * The span is computed by `selectSpan` from the record's lastEventId inside that snapshot. */
  readMachineWithEvents(
    namespace: string,
    machineId: string,
    selectSpan: (record: MachineRecord) => EventSpan | null,
  ): Promise<{ record: MachineRecord; events: Event[] } | null>;

  /** Events of a span, in the span's order. Events past the machine's committed last id are never returned. */
  readEvents(namespace: string, machineId: string, span: EventSpan): Promise<Event[]>;

  /** Claims machines whose timer or timer retry is due and whose lease is free, taking their leases. */
  claimDueMachines(options: ClaimOptions): Promise<ClaimedMachine[]>;

  /** Claims due notifications of machines that are not failed and not leased, at most one per machine. */
  claimDueNotifications(options: ClaimOptions): Promise<ClaimedNotification[]>;

  /** The earliest instant at which a claim could find work (due time, or lease expiry if later); null if none. */
  nextDueAtUs(): Promise<number | null>;

  /** Stores a notification if its machine exists; otherwise MachineNotFoundError and nothing is stored. */
  insertNotification(notification: Notification): Promise<void>;

  /** Replaces the bodies of existing events (modernization). Missing events are skipped. Returns how many changed. */
  updateEventContents(
    namespace: string,
    machineId: string,
    updates: readonly { eventId: number; content: Content }[],
  ): Promise<number>;

  /** The oldest outbox records of a sink, in position order. A machine's records are in its commit order. */
  readOutbox(sink: string, limit: number): Promise<StoredOutboxRecord[]>;

  /** Deletes published outbox records of a sink; returns how many were deleted (already deleted ones count 0). */
  deleteOutbox(sink: string, positions: readonly number[]): Promise<number>;

  /**
   * How many records of one machine still wait for any of `sinks`: events up to `eventIdMax` and lifecycle
   * records committed up to `committedAtUsMax` (later steps' records are not counted).
   */
  outboxPending(options: {
    sinks: readonly string[];
    namespace: string;
    machineId: string;
    eventIdMax: number;
    committedAtUsMax: number;
  }): Promise<number>;

  /** How many records wait for a sink, and when the oldest was committed. */
  outboxBacklog(sink: string): Promise<{ records: number; oldestCreatedAtUs: number | null }>;

  /** Lists machines of a namespace by id, for operators; `afterId` pages. */
  listMachines(namespace: string, options: { afterId?: string; limit: number }): Promise<MachineRecord[]>;

  /** Optional: calls `listener` when another node may have made work due (new timer, released lease). */
  onWake?(listener: () => void): () => void;

  close(): Promise<void>;
}
