/**
 * Outbox statements: batched inserts with the step's commit; reads and deletes by the relay, fenced by the sink's
 * lease; replays of committed events; the backlog.
 */
import type pg from "pg";
import type { Lease, OutboxEntry } from "../../machine-store.js";
import type { OutboxRead } from "../../outbox-store.js";
import { type OutboxRow, outboxToRow } from "../../rows.js";
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

/**
 * The sink's lease row, locked FOR SHARE so that no other node can take the lease over while the statement runs;
 * a CTE named `held`. Parameters: $1 sink, then the lease's pseudo-namespace, epoch and owner at `first`.
 */
export function heldSinkLease(schema: QuotedSchemaName, first: number): string {
  return `held AS (
      SELECT 1 FROM ${schema}.leases
      WHERE namespace = $${first}::text AND machine_id = $1::text AND epoch = $${first + 1}::bigint
        AND owner = $${first + 2}::text
      FOR SHARE
    )`;
}

export const leaseValues = (lease: Lease) => [lease.namespace, lease.epoch, lease.owner];

/**
 * The oldest records of a sink, while the relay's lease holds; a machine with a parked record for the sink has
 * its records held back. Always answers one row at least, whose `held` says whether the lease held.
 */
export function readOutbox(schema: QuotedSchemaName, options: OutboxRead): pg.QueryConfig {
  return {
    name: "ratchet_read_outbox",
    text: `WITH ${heldSinkLease(schema, 3)}
      SELECT (SELECT count(*) FROM held) AS held, o.position, o.sink, o.namespace, o.machine_id, o.kind, o.event_id,
        o.created_at_us, o.format_version, o.data, o.change
      FROM (SELECT 1) one
      LEFT JOIN LATERAL (
        SELECT * FROM ${schema}.outbox r
        WHERE r.sink = $1::text AND EXISTS (SELECT 1 FROM held)
          AND NOT EXISTS (SELECT 1 FROM ${schema}.outbox_parked p
            WHERE p.sink = r.sink AND p.namespace = r.namespace AND p.machine_id = r.machine_id)
          AND r.position <> ALL($6::bigint[])
        ORDER BY r.position LIMIT $2::integer
      ) o ON true
      ORDER BY o.position`,
    values: [options.sink, options.limit, ...leaseValues(options.lease), options.skipPositions ?? []],
  };
}

/** Deletes published records while the relay's lease holds; answers whether it held and how many went. */
export function deleteOutbox(
  schema: QuotedSchemaName,
  options: { lease: Lease; sink: string; positions: readonly number[] },
): pg.QueryConfig {
  return {
    name: "ratchet_delete_outbox",
    text: `WITH ${heldSinkLease(schema, 3)}, deleted AS (
        DELETE FROM ${schema}.outbox WHERE sink = $1::text AND position = ANY($2::bigint[])
          AND EXISTS (SELECT 1 FROM held)
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM held) AS held, (SELECT count(*) FROM deleted) AS deleted`,
    values: [options.sink, options.positions, ...leaseValues(options.lease)],
  };
}

/**
 * Every committed event of a namespace's machine (or of all its machines) after `afterEventId`, written into the
 * sink's outbox again; positions are drawn in machine and event order.
 */
export function replayEvents(
  schema: QuotedSchemaName,
  options: { sink: string; namespace: string; machineId: string | null; afterEventId: number },
): pg.QueryConfig {
  return {
    name: "ratchet_replay_events",
    text: `INSERT INTO ${schema}.outbox (sink, namespace, machine_id, kind, event_id, created_at_us, format_version,
        data, change)
      SELECT $1::text, e.namespace, e.machine_id, 'event', e.event_id, e.created_at_us, e.format_version, e.data,
        NULL
      FROM ${schema}.events e
      WHERE e.namespace = $2::text AND ($3::text IS NULL OR e.machine_id = $3::text) AND e.event_id > $4::bigint
      ORDER BY e.machine_id, e.event_id`,
    values: [options.sink, options.namespace, options.machineId, options.afterEventId],
  };
}

export function outboxBacklog(schema: QuotedSchemaName, sink: string): pg.QueryConfig {
  return {
    name: "ratchet_outbox_backlog",
    text: `SELECT (SELECT count(*) FROM ${schema}.outbox WHERE sink = $1::text) AS records,
        (SELECT min(created_at_us) FROM ${schema}.outbox WHERE sink = $1::text) AS oldest_created_at_us,
        (SELECT count(*) FROM ${schema}.outbox_parked WHERE sink = $1::text) AS parked`,
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
