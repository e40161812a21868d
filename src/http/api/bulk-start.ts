/**
 * Starting a bulk run, as the JSON API and the CLI both do: the request checked (filter, arguments, rate; a refusal
 * is InvalidRequestError and starts nothing), the selection counted as the run will walk it, and, unless it is a
 * dry run, the run stored for a node's bulk runner to take.
 */
import type { BulkAction } from "../../core/bulk.js";
import { InvalidRequestError } from "../../core/errors.js";
import { BULK_DEFAULTS } from "../../core/limits.js";
import type { BulkRun, BulkStore } from "../../storage/bulk-store.js";
import type { OperatorQueries } from "../../storage/operator-queries.js";
import { type BulkFilterWire, bulkArgsOf, bulkFilterOf } from "./bulk-views.js";

export interface BulkStartRequest {
  readonly namespace: string;
  readonly action: BulkAction;
  readonly filter: BulkFilterWire;
  /** Natural JSON; repair and notify only. */
  readonly args?: unknown;
  readonly ratePerSecond?: number;
  readonly dryRun: boolean;
  readonly actor: string;
}

export interface BulkStartContext {
  readonly queries: OperatorQueries;
  readonly store: BulkStore;
  readonly ratePerSecondMax: number;
  readonly newId: () => string;
  readonly nowUs: number;
}

/** The count of a dry run, or the run started. The namespace must have been checked by the caller. */
export async function startBulk(
  context: BulkStartContext,
  request: BulkStartRequest,
): Promise<{ dryRun: true; selected: number } | { dryRun: false; run: BulkRun }> {
  const filter = bulkFilterOf(request.filter);
  const args = bulkArgsOf(request.action, request.args);
  const ratePerSecond = rateOf(request.ratePerSecond, context.ratePerSecondMax);
  const selected = await countSelection(context.queries, request.namespace, filter);
  if (request.dryRun) return { dryRun: true, selected };
  const run = await context.store.createBulkRun({
    id: context.newId(),
    namespace: request.namespace,
    action: request.action,
    filter,
    args,
    ratePerSecond,
    selected,
    actor: request.actor,
    nowUs: context.nowUs,
  });
  return { dryRun: false, run };
}

function rateOf(requested: number | undefined, max: number): number {
  const rate = requested ?? Math.min(BULK_DEFAULTS.ratePerSecondDefault, max);
  if (rate < BULK_DEFAULTS.ratePerSecondMin || rate > max) {
    throw new InvalidRequestError(
      `rate_per_second must be from ${BULK_DEFAULTS.ratePerSecondMin} to ${max}`,
      "rate_per_second",
    );
  }
  return rate;
}

/** Pages through the search, as the run will walk it, up to the count cap. */
async function countSelection(
  queries: OperatorQueries,
  namespace: string,
  filter: BulkRun["filter"],
): Promise<number> {
  const pageMachines = 1000;
  let selected = 0;
  let afterId: string | undefined;
  while (selected < BULK_DEFAULTS.selectionCountCap) {
    const limit = Math.min(pageMachines, BULK_DEFAULTS.selectionCountCap - selected);
    const page = await queries.searchMachines(namespace, {
      ...filter,
      limit,
      ...(afterId === undefined ? {} : { afterId }),
    });
    selected += page.length;
    if (page.length < limit) break;
    afterId = page.at(-1)?.id;
  }
  return selected;
}
