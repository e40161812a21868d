/**
 * The outbox store on SQLite. The relay's reads, deletes and parks check the sink's lease (epoch and owner) in the
 * same transaction as what they touch, so a stalled leader cannot act after a takeover.
 */
import { LeaseLostError } from "../../core/errors.js";
import type { Lease } from "../machine-store.js";
import type { OutboxBacklog, OutboxRead, ParkedOutboxRecord, StoredOutboxRecord } from "../outbox-store.js";
import { type OutboxRow, outboxFromRow, type ParkedOutboxRow, parkedFromRow } from "../rows.js";
import * as leases from "./sql/leases.js";
import * as outbox from "./sql/outbox.js";
import * as parked from "./sql/parked-outbox.js";
import type { SqliteDatabase } from "./sqlite-database.js";

export class SqliteOutbox {
  constructor(private readonly database: SqliteDatabase) {}

  async readOutbox(options: OutboxRead): Promise<StoredOutboxRecord[]> {
    return this.database.read(() => {
      this.#requireLease(options.lease);
      const rows = this.database
        .statement(outbox.READ_OUTBOX)
        .all(options.sink, JSON.stringify(options.skipPositions ?? []), options.limit) as OutboxRow[];
      return rows.map(outboxFromRow);
    });
  }

  async deleteOutbox(options: { lease: Lease; sink: string; positions: readonly number[] }): Promise<number> {
    return this.database.write(() => {
      this.#requireLease(options.lease);
      let deleted = 0;
      const statement = this.database.statement(outbox.DELETE_OUTBOX);
      for (const position of options.positions) deleted += statement.run(options.sink, position).changes;
      return deleted;
    });
  }

  async parkOutboxRecord(options: {
    lease: Lease;
    sink: string;
    position: number;
    reason: string;
    nowUs: number;
  }): Promise<void> {
    await this.database.write(() => {
      this.#requireLease(options.lease);
      const { sink, position } = options;
      this.database
        .statement(parked.PARK_OUTBOX_RECORD)
        .run({ sink, position, reason: options.reason, parked_at_us: options.nowUs });
      this.database.statement(outbox.DELETE_OUTBOX).run(sink, position);
    });
  }

  async listParked(options: {
    sink?: string;
    afterPosition?: number;
    limit: number;
  }): Promise<ParkedOutboxRecord[]> {
    const rows = this.database.read(() =>
      this.database.statement(parked.LIST_PARKED).all({
        sink: options.sink ?? null,
        after_position: options.afterPosition ?? 0,
        limit: options.limit,
      }),
    ) as ParkedOutboxRow[];
    return rows.map(parkedFromRow);
  }

  async requeueParked(options: { sink: string; positions: readonly number[] }): Promise<number> {
    return this.database.write(() => {
      let requeued = 0;
      for (const position of options.positions) {
        requeued += this.database.statement(parked.REQUEUE_PARKED).run(options.sink, position).changes;
        this.database.statement(parked.DELETE_PARKED).run(options.sink, position);
      }
      return requeued;
    });
  }

  async dropParked(options: { sink: string; positions: readonly number[] }): Promise<number> {
    return this.database.write(() => {
      let dropped = 0;
      for (const position of options.positions)
        dropped += this.database.statement(parked.DELETE_PARKED).run(options.sink, position).changes;
      return dropped;
    });
  }

  async replayEvents(options: {
    sink: string;
    namespace: string;
    machineId?: string;
    afterEventId?: number;
  }): Promise<number> {
    return this.database.write(
      () =>
        this.database.statement(outbox.REPLAY_EVENTS).run({
          sink: options.sink,
          namespace: options.namespace,
          machine_id: options.machineId ?? null,
          after_event_id: options.afterEventId ?? 0,
        }).changes,
    );
  }

  async outboxPending(options: {
    sinks: readonly string[];
    namespace: string;
    machineId: string;
    eventIdMax: number;
    committedAtUsMax: number;
  }): Promise<number> {
    const row = this.database.read(() =>
      this.database.statement(outbox.OUTBOX_PENDING).get({
        namespace: options.namespace,
        machine_id: options.machineId,
        sinks: JSON.stringify(options.sinks),
        event_id_max: options.eventIdMax,
        committed_at_us_max: options.committedAtUsMax,
      }),
    ) as { pending: number };
    return row.pending;
  }

  async outboxBacklog(sink: string): Promise<OutboxBacklog> {
    const row = this.database.read(() => this.database.statement(outbox.OUTBOX_BACKLOG).get({ sink })) as {
      records: number;
      oldest_created_at_us: number | null;
      parked: number;
    };
    return { records: row.records, oldestCreatedAtUs: row.oldest_created_at_us, parked: row.parked };
  }

  #requireLease(lease: Lease): void {
    const held = this.database.statement(leases.READ_LEASE).get(lease.namespace, lease.machineId) as
      | { epoch: number; owner: string }
      | undefined;
    if (held?.epoch !== lease.epoch || held.owner !== lease.owner) {
      throw new LeaseLostError(lease.namespace, lease.machineId);
    }
  }
}
