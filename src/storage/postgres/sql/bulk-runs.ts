/**
 * Bulk run statements: create, read and list runs, their outcomes, cancel; and the runner's lease-fenced writes,
 * each matching the run's id, lease owner and lease epoch in its WHERE clause, so a node that lost the run
 * changes nothing. A claim takes the oldest free running run with SKIP LOCKED: two nodes never take the same one.
 */
import type pg from "pg";
import { newBulkRunToRow } from "../../bulk-rows.js";
import type { BulkOutcome, BulkRunLease, NewBulkRun } from "../../bulk-store.js";
import type { QuotedSchemaName } from "../schema-name.js";

export function insertBulkRun(schema: QuotedSchemaName, run: NewBulkRun): pg.QueryConfig {
  const row = newBulkRunToRow(run);
  return {
    text: `INSERT INTO ${schema}.bulk_runs (id, namespace, action, filter, args, rate_per_second, status, selected,
        actor, created_at_us, updated_at_us)
      VALUES ($1::text, $2::text, $3::text, $4::text, $5::bytea, $6::double precision, 'running', $7::bigint,
        $8::text, $9::bigint, $9::bigint)
      RETURNING *`,
    values: [
      row.id,
      row.namespace,
      row.action,
      row.filter,
      row.args === null ? null : Buffer.from(row.args),
      row.rate_per_second,
      row.selected,
      row.actor,
      row.now_us,
    ],
  };
}

export function readBulkRun(schema: QuotedSchemaName, id: string): pg.QueryConfig {
  return { text: `SELECT * FROM ${schema}.bulk_runs WHERE id = $1::text`, values: [id] };
}

export function listBulkRuns(schema: QuotedSchemaName, namespace: string, limit: number): pg.QueryConfig {
  return {
    text: `SELECT * FROM ${schema}.bulk_runs WHERE namespace = $1::text
      ORDER BY created_at_us DESC, id DESC LIMIT $2::integer`,
    values: [namespace, limit],
  };
}

export function listBulkOutcomes(
  schema: QuotedSchemaName,
  options: { runId: string; afterMachineId: string | null; limit: number },
): pg.QueryConfig {
  return {
    text: `SELECT * FROM ${schema}.bulk_outcomes WHERE run_id = $1::text
      AND ($2::text IS NULL OR machine_id > $2::text) ORDER BY machine_id LIMIT $3::integer`,
    values: [options.runId, options.afterMachineId, options.limit],
  };
}

export function cancelBulkRun(schema: QuotedSchemaName, id: string, nowUs: number): pg.QueryConfig {
  return {
    text: `WITH cancelled AS (
        UPDATE ${schema}.bulk_runs SET status = 'cancelled', updated_at_us = $2::bigint
        WHERE id = $1::text AND status = 'running' RETURNING *
      )
      SELECT * FROM cancelled UNION ALL
      SELECT * FROM ${schema}.bulk_runs WHERE id = $1::text AND NOT EXISTS (SELECT 1 FROM cancelled)`,
    values: [id, nowUs],
  };
}

export function claimBulkRun(
  schema: QuotedSchemaName,
  options: { namespaces: readonly string[]; owner: string; nowUs: number; untilUs: number },
): pg.QueryConfig {
  return {
    text: `UPDATE ${schema}.bulk_runs SET lease_owner = $1::text, lease_epoch = lease_epoch + 1,
        lease_expires_at_us = $3::bigint
      WHERE id = (
        SELECT id FROM ${schema}.bulk_runs WHERE status = 'running'
          AND (lease_expires_at_us IS NULL OR lease_expires_at_us <= $2::bigint) AND namespace = ANY($4::text[])
        ORDER BY created_at_us, id LIMIT 1 FOR UPDATE SKIP LOCKED
      ) AND status = 'running' AND (lease_expires_at_us IS NULL OR lease_expires_at_us <= $2::bigint)
      RETURNING *`,
    values: [options.owner, options.nowUs, options.untilUs, [...options.namespaces]],
  };
}

const FENCE = "id = $1::text AND lease_owner = $2::text AND lease_epoch = $3::bigint";
const fenceValues = (lease: BulkRunLease) => [lease.runId, lease.owner, lease.epoch];

export function beginBulkMachine(
  schema: QuotedSchemaName,
  lease: BulkRunLease,
  options: { machineId: string; untilUs: number },
): pg.QueryConfig {
  return {
    text: `UPDATE ${schema}.bulk_runs SET in_flight_machine_id = $4::text, lease_expires_at_us = $5::bigint
      WHERE ${FENCE} RETURNING status`,
    values: [...fenceValues(lease), options.machineId, options.untilUs],
  };
}

/**
 * The outcome and the run's progress in one statement: the outcome row is inserted only when the fenced update
 * of the run matched, and the cursor only moves forward (a machine at or before it was recorded already).
 */
export function recordBulkOutcome(
  schema: QuotedSchemaName,
  lease: BulkRunLease,
  options: { outcome: BulkOutcome; counts: { ok: number; failed: number; skipped: number }; untilUs: number },
): pg.QueryConfig {
  const { outcome, counts } = options;
  return {
    text: `WITH advanced AS (
        UPDATE ${schema}.bulk_runs SET cursor_machine_id = $4::text, in_flight_machine_id = NULL,
          succeeded = succeeded + $5::bigint, failed = failed + $6::bigint, skipped = skipped + $7::bigint,
          updated_at_us = $8::bigint, lease_expires_at_us = $9::bigint
        WHERE ${FENCE} AND (cursor_machine_id IS NULL OR cursor_machine_id < $4::text)
        RETURNING id
      )
      INSERT INTO ${schema}.bulk_outcomes (run_id, machine_id, outcome, error_code, detail, at_us)
      SELECT id, $4::text, $10::text, $11::text, $12::text, $8::bigint FROM advanced`,
    values: [
      ...fenceValues(lease),
      outcome.machineId,
      counts.ok,
      counts.failed,
      counts.skipped,
      outcome.atUs,
      options.untilUs,
      outcome.outcome,
      outcome.errorCode,
      outcome.detail,
    ],
  };
}

export function renewBulkRun(schema: QuotedSchemaName, lease: BulkRunLease, untilUs: number): pg.QueryConfig {
  return {
    text: `UPDATE ${schema}.bulk_runs SET lease_expires_at_us = $4::bigint WHERE ${FENCE} RETURNING status`,
    values: [...fenceValues(lease), untilUs],
  };
}

export function releaseBulkRun(
  schema: QuotedSchemaName,
  lease: BulkRunLease,
  options: { done: boolean; nowUs: number },
): pg.QueryConfig {
  return {
    text: `UPDATE ${schema}.bulk_runs SET lease_owner = NULL, lease_expires_at_us = NULL,
        status = CASE WHEN $4::boolean AND status = 'running' THEN 'done' ELSE status END,
        updated_at_us = CASE WHEN $4::boolean THEN $5::bigint ELSE updated_at_us END
      WHERE ${FENCE}`,
    values: [...fenceValues(lease), options.done, options.nowUs],
  };
}
