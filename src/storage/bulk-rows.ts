/** Bulk runs and outcomes as both adapters store them: one row type per table and its mapping, the filter's JSON. */
import type { BulkAction, BulkOutcomeKind, BulkRunStatus } from "../core/bulk.js";
import type { BulkFilter, BulkOutcome, BulkRun, NewBulkRun } from "./bulk-store.js";

export interface BulkRunRow {
  readonly id: string;
  readonly namespace: string;
  readonly action: string;
  readonly filter: string;
  readonly args: Uint8Array | null;
  readonly rate_per_second: number;
  readonly status: string;
  readonly selected: number;
  readonly cursor_machine_id: string | null;
  readonly in_flight_machine_id: string | null;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  readonly actor: string;
  readonly created_at_us: number;
  readonly updated_at_us: number;
  readonly lease_owner: string | null;
  readonly lease_epoch: number;
  readonly lease_expires_at_us: number | null;
}

export interface BulkOutcomeRow {
  readonly run_id: string;
  readonly machine_id: string;
  readonly outcome: string;
  readonly error_code: string | null;
  readonly detail: string | null;
  readonly at_us: number;
}

/** The columns a new run is inserted with, by name. */
export function newBulkRunToRow(run: NewBulkRun) {
  return {
    id: run.id,
    namespace: run.namespace,
    action: run.action,
    filter: JSON.stringify(run.filter satisfies BulkFilter),
    args: run.args,
    rate_per_second: run.ratePerSecond,
    selected: run.selected,
    actor: run.actor,
    now_us: run.nowUs,
  };
}

export function bulkRunFromRow(row: BulkRunRow): BulkRun {
  return {
    id: row.id,
    namespace: row.namespace,
    action: row.action as BulkAction,
    filter: JSON.parse(row.filter) as BulkFilter,
    args: row.args === null ? null : Uint8Array.from(row.args),
    ratePerSecond: row.rate_per_second,
    status: row.status as BulkRunStatus,
    selected: row.selected,
    cursor: row.cursor_machine_id,
    inFlightMachineId: row.in_flight_machine_id,
    succeeded: row.succeeded,
    failed: row.failed,
    skipped: row.skipped,
    actor: row.actor,
    createdAtUs: row.created_at_us,
    updatedAtUs: row.updated_at_us,
  };
}

export function bulkOutcomeFromRow(row: BulkOutcomeRow): BulkOutcome {
  return {
    machineId: row.machine_id,
    outcome: row.outcome as BulkOutcomeKind,
    errorCode: row.error_code,
    detail: row.detail,
    atUs: row.at_us,
  };
}

/** The counter columns an outcome adds one to. */
export function outcomeCounts(outcome: BulkOutcomeKind): { ok: number; failed: number; skipped: number } {
  return {
    ok: outcome === "ok" ? 1 : 0,
    failed: outcome === "failed" ? 1 : 0,
    skipped: outcome === "skipped" ? 1 : 0,
  };
}
