/**
 * The machine store: the engine's port to storage. Leases, the fenced commit of steps, reads of machines and
 * their history, claims of due timers and notifications. Every adapter passes the conformance suite in
 * `conformance/`. All instants are µs; the engine passes "now" in, storage never reads a clock of its own for
 * decisions.
 *
 * Errors every method may raise, besides those it names: StorageUnavailableError (the storage could not be
 * reached or refused for now; nothing was written) and StorageResultUnknownError (a write was in flight when the
 * connection broke; it may or may not have been applied). Any other error means the call failed as a whole and
 * wrote nothing.
 */
import type { AuditDraft } from "../core/audit.js";
import type { EventSpan } from "../core/history-range.js";
import type { IdempotencyRecord } from "../core/idempotency.js";
import type { JournalEntry } from "../core/journal.js";
import type { Content, Event, MachineRecord } from "../core/machine.js";
import type { Notification } from "../core/notification.js";
import type { OutboxDraft } from "../core/outbox.js";

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
  /** New bodies of existing events (modernization); an id the machine does not have is skipped. */
  readonly eventContents?: readonly { readonly eventId: number; readonly content: Content }[];
  /** A notification this step delivered, or whose delivery failed transiently. */
  readonly notification?: { readonly id: string; readonly outcome: NotificationOutcome };
  /** Keep the lease until this instant (the holder runs the next step at once), or null to release it. */
  readonly leaseUntilUs: number | null;
  /** Records for the sinks, stored in the same transaction (kept even when the step removes the machine). */
  readonly outbox?: readonly OutboxEntry[];
  /**
   * Journal entries, numbered after the previous record's `stepNumber` up to `record.stepNumber`, stored in the
   * same transaction (a removing step's entries go with the machine's journal).
   */
  readonly journal?: readonly JournalEntry[];
  /**
   * The idempotency key of the request this step serves, with its outcome, stored under the step's fence. A key
   * already stored (another machine's step with the same key committed first) is kept as it was.
   */
  readonly idempotency?: IdempotencyRecord;
  /**
   * The audit log entry of the operator action this step carries out, stored in the same transaction: a step
   * refused by its fence writes neither.
   */
  readonly audit?: AuditDraft;
}

/** One outbox record bound for one sink. */
export interface OutboxEntry {
  readonly sink: string;
  readonly draft: OutboxDraft;
}

export type CommitOutcome = { readonly ok: true } | { readonly ok: false; readonly error: Error };

export interface ClaimedMachine {
  readonly lease: Lease;
  readonly record: MachineRecord;
  /** The owner of the expired lease this claim replaced, when it was another owner's (a takeover). */
  readonly takenOverFrom?: string;
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
  /** Only machines of these namespaces: the ones this node serves. */
  readonly namespaces: readonly string[];
}

export interface MachineStore {
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

  /** Gives the lease up if it is still this one (same epoch); otherwise does nothing. */
  releaseLease(lease: Lease): Promise<void>;

  /** Extends live leases; returns those that were lost (expired and taken, or released). */
  renewLeases(leases: readonly Lease[], untilUs: number): Promise<Lease[]>;

  /**
   * Commits steps, each atomically and fenced by its lease (namespace, machine, owner and epoch): a step whose
   * lease is gone gets LeaseLostError and writes nothing, a create of an existing machine gets
   * MachineAlreadyExistsError; the others still commit. Outcomes are in the order of `steps`. Thrown errors
   * concern the whole batch: StorageUnavailableError and any other error mean none of it committed;
   * StorageResultUnknownError means all of it or none of it did.
   */
  commit(steps: readonly StepCommit[]): Promise<CommitOutcome[]>;

  /**
   * How many commits are worth running at once: more than 1 where each runs on its own connection and the
   * database works on one while the engine prepares the next; 1 where writes go one at a time anyway.
   */
  readonly commitsInFlightMax: number;

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

  /** Claims machines whose timer (or timer retry) is due and whose lease is free, taking their leases. */
  claimDueTimers(options: ClaimOptions): Promise<ClaimedMachine[]>;

  /** Claims due notifications of machines that are not failed and not leased, at most one per machine. */
  claimDueNotifications(options: ClaimOptions): Promise<ClaimedNotification[]>;

  /**
   * The earliest instant at which a claim in these namespaces could find work (due time, or lease expiry if
   * later); null if none.
   */
  nextDueAtUs(namespaces: readonly string[]): Promise<number | null>;

  /**
   * Stores a notification if its machine exists; otherwise MachineNotFoundError and nothing is stored.
   * With an idempotency record, stores the key in the same statement or transaction: when the key is already
   * stored nothing is inserted and the stored record is returned (the caller compares it); null when the
   * notification was stored. StorageResultUnknownError when the connection broke with the insert in flight.
   */
  insertNotification(
    notification: Notification,
    options?: { readonly idempotency?: IdempotencyRecord },
  ): Promise<IdempotencyRecord | null>;

  /** The stored idempotency key, or null. */
  readIdempotencyKey(namespace: string, key: string): Promise<IdempotencyRecord | null>;

  /** Deletes up to `limit` keys stored before `createdBeforeUs`, oldest first; returns how many. */
  pruneIdempotencyKeys(options: { createdBeforeUs: number; limit: number }): Promise<number>;

  /**
   * Deletes, in one bounded batch, journal entries of a namespace that ended before `endedBeforeUs`, and entries
   * beyond the last `keepPerMachine` of machines updated since `updatedSinceUs`; returns how many went. Never
   * waits for a step's commit: pruning is off the hot path.
   */
  pruneJournal(options: {
    namespace: string;
    endedBeforeUs: number;
    keepPerMachine: number;
    updatedSinceUs: number;
    limit: number;
  }): Promise<number>;

  /**
   * Optional: calls `listener` when another node may have made work due (new timer, released lease), or, with
   * the machine named, when another node asks for a machine's lease (requestRelease).
   */
  onWake?(listener: (release: ReleaseRequest | null) => void): () => void;

  /**
   * Optional, with onWake: asks the node holding a machine's lease to give it up if it holds it idle, between
   * requests (a warm lease). Nothing is promised: the holder may be gone, or still running a step.
   */
  requestRelease?(request: ReleaseRequest): Promise<void>;
}

/** A node (`requester`, its lease owner name) wants this machine's lease. */
export interface ReleaseRequest {
  readonly namespace: string;
  readonly machineId: string;
  readonly requester: string;
}
