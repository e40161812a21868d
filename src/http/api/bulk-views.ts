/** Bulk runs and outcomes as the JSON API shows them; and a request's filter and arguments as a run stores them. */
import { BULK_ACTIONS_WITH_ARGS, type BulkAction } from "../../core/bulk.js";
import { InvalidRequestError } from "../../core/errors.js";
import type { Payload } from "../../core/machine.js";
import type { BulkFilter, BulkOutcome, BulkRun } from "../../storage/bulk-store.js";
import type { MachineSearchStatus } from "../../storage/operator-queries.js";
import { payloadOf } from "./payloads.js";
import { problemType } from "./problems.js";
import { idPrefixOf, instantOf } from "./request-parts.js";
import { instantText } from "./views.js";

export interface BulkFilterWire {
  readonly status?: MachineSearchStatus;
  readonly id_prefix?: string;
  readonly timer_due_before?: string;
  readonly updated_since?: string;
}

/** InvalidRequestError (400) for a bad instant or prefix, naming the filter's field. */
export function bulkFilterOf(wire: BulkFilterWire): BulkFilter {
  const idPrefix = idPrefixOf(wire.id_prefix);
  const timerDueBeforeUs = instantOf(wire.timer_due_before, "filter.timer_due_before");
  const updatedSinceUs = instantOf(wire.updated_since, "filter.updated_since");
  return {
    ...(wire.status === undefined ? {} : { status: wire.status }),
    ...(idPrefix === undefined ? {} : { idPrefix }),
    ...(timerDueBeforeUs === undefined ? {} : { timerDueBeforeUs }),
    ...(updatedSinceUs === undefined ? {} : { updatedSinceUs }),
  };
}

/** A repair's or notification's payload (null when absent); arguments for another action are refused. */
export function bulkArgsOf(action: BulkAction, args: unknown): Payload | null {
  if (!BULK_ACTIONS_WITH_ARGS.includes(action)) {
    if (args !== undefined) throw new InvalidRequestError(`${action} takes no arguments`, "args");
    return null;
  }
  return payloadOf(args ?? null, "args");
}

function filterWire(filter: BulkFilter): BulkFilterWire {
  return {
    ...(filter.status === undefined ? {} : { status: filter.status }),
    ...(filter.idPrefix === undefined ? {} : { id_prefix: filter.idPrefix }),
    ...(filter.timerDueBeforeUs === undefined
      ? {}
      : { timer_due_before: instantText(filter.timerDueBeforeUs) }),
    ...(filter.updatedSinceUs === undefined ? {} : { updated_since: instantText(filter.updatedSinceUs) }),
  };
}

export function bulkRunView(run: BulkRun) {
  return {
    id: run.id,
    namespace: run.namespace,
    action: run.action,
    filter: filterWire(run.filter),
    status: run.status,
    selected: run.selected,
    done: run.succeeded + run.failed + run.skipped,
    succeeded: run.succeeded,
    failed: run.failed,
    skipped: run.skipped,
    rate_per_second: run.ratePerSecond,
    cursor: run.cursor,
    actor: run.actor,
    created_at: instantText(run.createdAtUs),
    updated_at: instantText(run.updatedAtUs),
  };
}

export function bulkOutcomeView(outcome: BulkOutcome) {
  return {
    machine_id: outcome.machineId,
    outcome: outcome.outcome,
    ...(outcome.errorCode === null ? {} : { error_type: problemType(outcome.errorCode) }),
    ...(outcome.detail === null ? {} : { detail: outcome.detail }),
    at: instantText(outcome.atUs),
  };
}
