/**
 * The outbox store: what the outbox relays and operators ask of the outbox. Records are written by steps (in
 * their commit, see MachineStore.commit) and read, published and deleted by the relay of their sink, which holds
 * the sink's lease in the same lease table as machines; every relay write is fenced by that lease's epoch, so a
 * stalled leader can neither delete nor park records after another node has taken over.
 *
 * A record its sink rejects for good is parked: moved aside with its reason, while the later records of the same
 * machine for that sink are held back (they stay in the outbox, unread), so a machine's order survives and every
 * other machine keeps flowing. An operator requeues parked records (they return at their old positions, before
 * the held-back ones) or drops them.
 *
 * Errors: as MachineStore's (StorageUnavailableError, StorageResultUnknownError), plus LeaseLostError where named.
 */
import type { OutboxRecord } from "../core/outbox.js";
import type { Lease, MachineStore } from "./machine-store.js";

/** A stored outbox record; `position` grows with commit order and numbers lifecycle records (their sequence). */
export interface StoredOutboxRecord {
  readonly position: number;
  readonly record: OutboxRecord;
}

/** A record its sink rejected for good, set aside with the reason. */
export interface ParkedOutboxRecord extends StoredOutboxRecord {
  readonly sink: string;
  readonly reason: string;
  readonly parkedAtUs: number;
}

export interface OutboxBacklog {
  /** Records waiting for the sink, held-back ones included. */
  readonly records: number;
  /** When the oldest waiting record was committed; null when none waits. */
  readonly oldestCreatedAtUs: number | null;
  /** Records parked for the sink. */
  readonly parked: number;
}

/** What a relay reads: the oldest records of `sink`, up to `limit`, while `lease` (the sink's) holds. */
export interface OutboxRead {
  readonly lease: Lease;
  readonly sink: string;
  readonly limit: number;
  /** Positions left out: records published whose delete is still in flight, so the next read can run beside it. */
  readonly skipPositions?: readonly number[];
}

export interface OutboxStore extends Pick<MachineStore, "acquireLease" | "releaseLease" | "renewLeases"> {
  /**
   * The oldest records of a sink in position order, leaving out the records of machines that have a parked record
   * for this sink (they are held back) and the positions to skip. A machine's records are in its commit order.
   * LeaseLostError when `lease` (the sink's) is no longer held.
   */
  readOutbox(options: OutboxRead): Promise<StoredOutboxRecord[]>;

  /** Deletes published records; returns how many were deleted (already deleted ones count 0). LeaseLostError
   * when `lease` is no longer held, and then nothing is deleted. */
  deleteOutbox(options: { lease: Lease; sink: string; positions: readonly number[] }): Promise<number>;

  /** Moves one record aside with its reason, atomically. LeaseLostError when `lease` is no longer held. */
  parkOutboxRecord(options: {
    lease: Lease;
    sink: string;
    position: number;
    reason: string;
    nowUs: number;
  }): Promise<void>;

  /** Parked records, by sink then position; `sink` narrows to one sink. */
  listParked(options: {
    sink?: string;
    afterPosition?: number;
    limit: number;
  }): Promise<ParkedOutboxRecord[]>;

  /** Puts parked records back into the outbox at their old positions; returns how many. */
  requeueParked(options: { sink: string; positions: readonly number[] }): Promise<number>;

  /** Deletes parked records for good; returns how many. */
  dropParked(options: { sink: string; positions: readonly number[] }): Promise<number>;

  /**
   * Writes the committed events of one machine (or every machine of the namespace) after `afterEventId` into the
   * outbox of `sink` again, in event order per machine, after everything already waiting; returns how many.
   */
  replayEvents(options: {
    sink: string;
    namespace: string;
    machineId?: string;
    afterEventId?: number;
  }): Promise<number>;

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

  /** How many records wait for a sink and are parked, and when the oldest waiting one was committed. */
  outboxBacklog(sink: string): Promise<OutboxBacklog>;
}
