/**
 * Parked outbox records: a record its sink rejected for good, moved aside (by the relay, fenced by the sink's
 * lease) with its position kept, so a requeue (by an operator) puts it back before the machine's held-back records.
 */
import type pg from "pg";
import type { Lease } from "../../machine-store.js";
import type { QuotedSchemaName } from "../schema-name.js";
import { heldSinkLease, leaseValues } from "./outbox.js";

const RECORD_COLUMNS = `position, sink, namespace, machine_id, kind, event_id, created_at_us, format_version, data,
  change`;

/** Moves one record aside with its reason while the relay's lease holds; answers whether it held. */
export function parkOutboxRecord(
  schema: QuotedSchemaName,
  options: { lease: Lease; sink: string; position: number; reason: string; nowUs: number },
): pg.QueryConfig {
  return {
    name: "ratchet_park_outbox_record",
    text: `WITH ${heldSinkLease(schema, 5)}, moved AS (
        DELETE FROM ${schema}.outbox WHERE sink = $1::text AND position = $2::bigint AND EXISTS (SELECT 1 FROM held)
        RETURNING ${RECORD_COLUMNS}
      ), parked AS (
        INSERT INTO ${schema}.outbox_parked (${RECORD_COLUMNS}, reason, parked_at_us)
        SELECT ${RECORD_COLUMNS}, $3::text, $4::bigint FROM moved
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM held) AS held, (SELECT count(*) FROM parked) AS parked`,
    values: [options.sink, options.position, options.reason, options.nowUs, ...leaseValues(options.lease)],
  };
}

export function listParked(
  schema: QuotedSchemaName,
  options: { sink: string | null; afterPosition: number; limit: number },
): pg.QueryConfig {
  return {
    name: "ratchet_list_parked",
    text: `SELECT ${RECORD_COLUMNS}, reason, parked_at_us FROM ${schema}.outbox_parked
      WHERE ($1::text IS NULL OR sink = $1::text) AND position > $2::bigint
      ORDER BY position LIMIT $3::integer`,
    values: [options.sink, options.afterPosition, options.limit],
  };
}

/** Back into the outbox at their old positions, in one statement. */
export function requeueParked(
  schema: QuotedSchemaName,
  options: { sink: string; positions: readonly number[] },
): pg.QueryConfig {
  return {
    name: "ratchet_requeue_parked",
    text: `WITH moved AS (
        DELETE FROM ${schema}.outbox_parked WHERE sink = $1::text AND position = ANY($2::bigint[])
        RETURNING ${RECORD_COLUMNS}
      )
      INSERT INTO ${schema}.outbox (${RECORD_COLUMNS}) SELECT ${RECORD_COLUMNS} FROM moved`,
    values: [options.sink, options.positions],
  };
}

export function dropParked(
  schema: QuotedSchemaName,
  options: { sink: string; positions: readonly number[] },
): pg.QueryConfig {
  return {
    name: "ratchet_drop_parked",
    text: `DELETE FROM ${schema}.outbox_parked WHERE sink = $1::text AND position = ANY($2::bigint[])`,
    values: [options.sink, options.positions],
  };
}
