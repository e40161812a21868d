/** Outbox statements: batched inserts with the step's commit, reads and deletes by the relay, the backlog. */
import type pg from "pg";
import { type OutboxRow, outboxToRow } from "../../rows.js";
import type { OutboxEntry } from "../../storage.js";
import type { QuotedSchemaName } from "../schema-name.js";

/** All outbox records of a batch's fenced steps in one statement; positions follow the array order. */
export function insertOutbox(schema: QuotedSchemaName, entries: readonly OutboxEntry[]): pg.QueryConfig {
  const rows = entries.map(outboxToRow);
  const column = <K extends keyof Omit<OutboxRow, "position">>(key: K) => rows.map((row) => row[key]);
  return {
    name: "ratchet_insert_outbox",
    // ORDER BY ordinality: positions are drawn in array order, so a machine's records keep their step's order.
    text: `INSERT INTO ${schema}.outbox (sink, namespace, machine_id, kind, event_id, created_at_us, format_version,
        data, change)
      SELECT o.sink, o.namespace, o.machine_id, o.kind, o.event_id, o.created_at_us, o.format_version, o.data, o.change
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::integer[],
        $8::bytea[], $9::text[]) WITH ORDINALITY
        AS o(sink, namespace, machine_id, kind, event_id, created_at_us, format_version, data, change, ordinality)
      ORDER BY o.ordinality`,
    values: [
      column("sink"),
      column("namespace"),
      column("machine_id"),
      column("kind"),
      column("event_id"),
      column("created_at_us"),
      column("format_version"),
      column("data"),
      column("change"),
    ],
  };
}

export function readOutbox(schema: QuotedSchemaName, sink: string, limit: number): pg.QueryConfig {
  return {
    name: "ratchet_read_outbox",
    text: `SELECT position, sink, namespace, machine_id, kind, event_id, created_at_us, format_version, data, change
      FROM ${schema}.outbox WHERE sink = $1::text ORDER BY position LIMIT $2::integer`,
    values: [sink, limit],
  };
}

export function deleteOutbox(
  schema: QuotedSchemaName,
  sink: string,
  positions: readonly number[],
): pg.QueryConfig {
  return {
    name: "ratchet_delete_outbox",
    text: `DELETE FROM ${schema}.outbox WHERE sink = $1::text AND position = ANY($2::bigint[])`,
    values: [sink, positions],
  };
}

export function outboxBacklog(schema: QuotedSchemaName, sink: string): pg.QueryConfig {
  return {
    name: "ratchet_outbox_backlog",
    text: `SELECT count(*)::bigint AS records, min(created_at_us) AS oldest_created_at_us
      FROM ${schema}.outbox WHERE sink = $1::text`,
    values: [sink],
  };
}

export function outboxPending(
  schema: QuotedSchemaName,
  options: {
    sinks: readonly string[];
    namespace: string;
    machineId: string;
    eventIdMax: number;
    committedAtUsMax: number;
  },
): pg.QueryConfig {
  return {
    name: "ratchet_outbox_pending",
    text: `SELECT count(*)::bigint AS pending FROM ${schema}.outbox
      WHERE namespace = $1::text AND machine_id = $2::text AND sink = ANY($3::text[])
        AND ((kind = 'event' AND event_id <= $4::bigint) OR (kind = 'lifecycle' AND created_at_us <= $5::bigint))`,
    values: [
      options.namespace,
      options.machineId,
      options.sinks,
      options.eventIdMax,
      options.committedAtUsMax,
    ],
  };
}
