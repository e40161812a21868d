/**
 * The outbox store on PostgreSQL: the relays' reads, deletes and parks, fenced by the sink's lease in the same
 * statement (the lease row locked FOR SHARE, so no takeover can land in the middle), operators' parked records and
 * replays, pending counts and backlogs. One statement, one round trip, each.
 */
import type pg from "pg";
import { LeaseLostError } from "../../core/errors.js";
import type { Lease } from "../machine-store.js";
import type { OutboxBacklog, OutboxRead, ParkedOutboxRecord, StoredOutboxRecord } from "../outbox-store.js";
import {
  diagnosticText,
  type OutboxRow,
  outboxFromRow,
  type ParkedOutboxRow,
  parkedFromRow,
} from "../rows.js";
import { withClient } from "./pool.js";
import type { QuotedSchemaName } from "./schema-name.js";
import * as outbox from "./sql/outbox.js";
import * as parkedOutbox from "./sql/parked-outbox.js";

export class PostgresOutbox {
  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: QuotedSchemaName,
  ) {}

  async readOutbox(options: OutboxRead): Promise<StoredOutboxRecord[]> {
    const result = await withClient(this.pool, (client) =>
      client.query<{ held: number } & Partial<OutboxRow>>(outbox.readOutbox(this.schema, options)),
    );
    if (result.rows[0]?.held !== 1) throw new LeaseLostError(options.lease.namespace, options.sink);
    return result.rows.filter((row) => row.position != null).map((row) => outboxFromRow(row as OutboxRow));
  }

  async deleteOutbox(options: { lease: Lease; sink: string; positions: readonly number[] }): Promise<number> {
    if (options.positions.length === 0) return 0;
    const result = await withClient(this.pool, (client) =>
      client.query<{ held: number; deleted: number }>(outbox.deleteOutbox(this.schema, options)),
    );
    const row = result.rows[0];
    if (row?.held !== 1) throw new LeaseLostError(options.lease.namespace, options.sink);
    return row.deleted;
  }

  async parkOutboxRecord(options: {
    lease: Lease;
    sink: string;
    position: number;
    reason: string;
    nowUs: number;
  }): Promise<void> {
    const result = await withClient(this.pool, (client) =>
      client.query<{ held: number }>(
        parkedOutbox.parkOutboxRecord(this.schema, {
          ...options,
          reason: diagnosticText(options.reason) ?? "",
        }),
      ),
    );
    if (result.rows[0]?.held !== 1) throw new LeaseLostError(options.lease.namespace, options.sink);
  }

  async listParked(options: {
    sink?: string;
    afterPosition?: number;
    limit: number;
  }): Promise<ParkedOutboxRecord[]> {
    const result = await withClient(this.pool, (client) =>
      client.query<ParkedOutboxRow>(
        parkedOutbox.listParked(this.schema, {
          sink: options.sink ?? null,
          afterPosition: options.afterPosition ?? 0,
          limit: options.limit,
        }),
      ),
    );
    return result.rows.map(parkedFromRow);
  }

  async requeueParked(options: { sink: string; positions: readonly number[] }): Promise<number> {
    if (options.positions.length === 0) return 0;
    const result = await withClient(this.pool, (client) =>
      client.query(parkedOutbox.requeueParked(this.schema, options)),
    );
    return result.rowCount ?? 0;
  }

  async dropParked(options: { sink: string; positions: readonly number[] }): Promise<number> {
    if (options.positions.length === 0) return 0;
    const result = await withClient(this.pool, (client) =>
      client.query(parkedOutbox.dropParked(this.schema, options)),
    );
    return result.rowCount ?? 0;
  }

  async replayEvents(options: {
    sink: string;
    namespace: string;
    machineId?: string;
    afterEventId?: number;
  }): Promise<number> {
    const result = await withClient(this.pool, (client) =>
      client.query(
        outbox.replayEvents(this.schema, {
          sink: options.sink,
          namespace: options.namespace,
          machineId: options.machineId ?? null,
          afterEventId: options.afterEventId ?? 0,
        }),
      ),
    );
    return result.rowCount ?? 0;
  }

  async outboxPending(options: {
    sinks: readonly string[];
    namespace: string;
    machineId: string;
    eventIdMax: number;
    committedAtUsMax: number;
  }): Promise<number> {
    const result = await withClient(this.pool, (client) =>
      client.query<{ pending: number }>(outbox.outboxPending(this.schema, options)),
    );
    return result.rows[0]?.pending ?? 0;
  }

  async outboxBacklog(sink: string): Promise<OutboxBacklog> {
    const result = await withClient(this.pool, (client) =>
      client.query<{ records: number; oldest_created_at_us: number | null; parked: number }>(
        outbox.outboxBacklog(this.schema, sink),
      ),
    );
    const row = result.rows[0];
    return {
      records: row?.records ?? 0,
      oldestCreatedAtUs: row?.oldest_created_at_us ?? null,
      parked: row?.parked ?? 0,
    };
  }
}
