/**
 * Event statements. The primary key (namespace, machine_id, event_id) serves every read as an index range
 * scan, so reading the last N events costs the same at 10 events or 100,000.
 */
import type pg from "pg";
import type { EventSpan } from "../../../core/history-range.js";
import type { Content } from "../../../core/machine.js";
import type { EventRow } from "../../rows.js";
import type { Lease } from "../../storage.js";
import type { QuotedSchemaName } from "../schema-name.js";

/** Appends events; each row is fenced by the epoch of the step it belongs to. Returns nothing; count rows. */
export function insertEvents(
  schema: QuotedSchemaName,
  events: readonly { readonly epoch: number; readonly row: EventRow }[],
): pg.QueryConfig {
  const column = <K extends keyof EventRow>(key: K) => events.map(({ row }) => row[key]);
  return {
    name: "ratchet_insert_events",
    text: `INSERT INTO ${schema}.events (namespace, machine_id, event_id, created_at_us, format_version, data)
      SELECT e.namespace, e.machine_id, e.event_id, e.created_at_us, e.format_version, e.data
      FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::integer[], $7::bytea[])
        AS e(namespace, machine_id, epoch, event_id, created_at_us, format_version, data)
      WHERE EXISTS (SELECT 1 FROM ${schema}.leases l
        WHERE l.namespace = e.namespace AND l.machine_id = e.machine_id AND l.epoch = e.epoch)`,
    values: [
      column("namespace"),
      column("machine_id"),
      events.map(({ epoch }) => epoch),
      column("event_id"),
      column("created_at_us"),
      column("format_version"),
      column("data"),
    ],
  };
}

/**
 * Events of a span in the span's order, never past the machine's committed last event id. Two statements
 * (not one with a computed ORDER BY) so each walks the primary key in its own direction.
 */
export function readEvents(
  schema: QuotedSchemaName,
  options: { namespace: string; machineId: string; span: EventSpan },
): pg.QueryConfig {
  const { span } = options;
  const forward = span.direction === "forward";
  return {
    name: forward ? "ratchet_read_events_forward" : "ratchet_read_events_backward",
    text: `SELECT e.event_id, e.created_at_us, e.format_version, e.data FROM ${schema}.events e
      WHERE e.namespace = $1::text AND e.machine_id = $2::text AND e.event_id BETWEEN $3::bigint AND $4::bigint
        AND e.event_id <= (SELECT m.last_event_id FROM ${schema}.machines m
          WHERE m.namespace = $1::text AND m.machine_id = $2::text)
      ORDER BY e.event_id ${forward ? "ASC" : "DESC"}
      LIMIT $5::bigint`,
    values: [
      options.namespace,
      options.machineId,
      forward ? span.from : span.to,
      forward ? span.to : span.from,
      span.count,
    ],
  };
}

/** A removed machine's history, fenced by the removing step's lease. */
export function deleteEvents(schema: QuotedSchemaName, leases: readonly Lease[]): pg.QueryConfig {
  return {
    name: "ratchet_delete_events",
    text: `DELETE FROM ${schema}.events e
      USING unnest($1::text[], $2::text[], $3::bigint[]) AS s(namespace, machine_id, epoch)
      WHERE e.namespace = s.namespace AND e.machine_id = s.machine_id
        AND EXISTS (SELECT 1 FROM ${schema}.leases l
          WHERE l.namespace = s.namespace AND l.machine_id = s.machine_id AND l.epoch = s.epoch)`,
    values: [
      leases.map((lease) => lease.namespace),
      leases.map((lease) => lease.machineId),
      leases.map((lease) => lease.epoch),
    ],
  };
}

/**
 * Modernization: replaces bodies of existing events of the batch's machines in one statement, each row fenced by
 * its step's lease epoch; missing ids match nothing.
 */
export function updateEventContents(
  schema: QuotedSchemaName,
  updates: readonly {
    readonly lease: Lease;
    readonly eventId: number;
    readonly content: Content;
  }[],
): pg.QueryConfig {
  return {
    name: "ratchet_update_event_contents",
    text: `UPDATE ${schema}.events e SET format_version = u.format_version, data = u.data
      FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::integer[], $6::bytea[])
        AS u(namespace, machine_id, epoch, event_id, format_version, data)
      WHERE e.namespace = u.namespace AND e.machine_id = u.machine_id AND e.event_id = u.event_id
        AND EXISTS (SELECT 1 FROM ${schema}.leases l
          WHERE l.namespace = u.namespace AND l.machine_id = u.machine_id AND l.epoch = u.epoch)`,
    values: [
      updates.map((update) => update.lease.namespace),
      updates.map((update) => update.lease.machineId),
      updates.map((update) => update.lease.epoch),
      updates.map((update) => update.eventId),
      updates.map((update) => update.content.formatVersion ?? null),
      updates.map((update) => update.content.data),
    ],
  };
}
