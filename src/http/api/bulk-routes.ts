/**
 * Bulk operations: `POST /v1/namespaces/{ns}/bulk` counts what a search selects (a dry run) or starts a run that
 * applies one operator action to each selected machine; the runs of a namespace, one run, its outcomes, cancel.
 * The node's bulk runner (engine/bulk/) drives the run; these routes only store, read and cancel it. A request
 * that does not validate starts nothing.
 */
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Role } from "../../core/access.js";
import { BulkRunNotFoundError } from "../../core/errors.js";
import { BULK_DEFAULTS } from "../../core/limits.js";
import type { BulkRun, BulkStore } from "../../storage/bulk-store.js";
import { forbiddenResponse } from "../access/access-control.js";
import { grantAllows, grantOf } from "../access/grant.js";
import { actorOf } from "../actor.js";
import type { ApiApp, ApiContext } from "./api-context.js";
import {
  BulkDryRunView,
  BulkListView,
  BulkOutcomesQuery,
  BulkOutcomesView,
  BulkParams,
  BulkStartBody,
  BulkView,
} from "./bulk-schemas.js";
import { startBulk } from "./bulk-start.js";
import { bulkOutcomeView, bulkRunView } from "./bulk-views.js";
import { jsonResponse, problemResponses } from "./openapi-responses.js";
import { cursorIdOf, cursorOf, pageSizeOf, requireNamespace } from "./request-parts.js";
import { NamespaceParams } from "./schemas.js";

/** What the bulk routes need besides the API's context. */
export interface BulkApiOptions {
  readonly store: BulkStore;
  /** The most `rate_per_second` a request may name (BULK_DEFAULTS.ratePerSecondMax). */
  readonly ratePerSecondMax: number;
  readonly newId: () => string;
  /** Called after a run is stored, so this node's runner takes it at once. */
  readonly onStarted?: () => void;
}

const NAMESPACE_BULK = "/v1/namespaces/{ns}/bulk";
const RUN = "/v1/bulk/{id}";

const startRoute = createRoute({
  method: "post",
  path: NAMESPACE_BULK,
  summary: "Count a search's machines (dry_run), or start a run of one action on each of them",
  request: {
    params: NamespaceParams,
    body: { content: { "application/json": { schema: BulkStartBody } }, required: true },
  },
  responses: {
    200: jsonResponse("The dry run's count; nothing started", BulkDryRunView),
    202: jsonResponse("Started; Location names the run", BulkView),
    ...problemResponses(400, 404, 413, 415, 503),
  },
});

const listRoute = createRoute({
  method: "get",
  path: NAMESPACE_BULK,
  summary: `The namespace's bulk runs, newest first (at most ${BULK_DEFAULTS.runsListedMax})`,
  request: { params: NamespaceParams },
  responses: { 200: jsonResponse("The runs", BulkListView), ...problemResponses(404, 503) },
});

const readRoute = createRoute({
  method: "get",
  path: RUN,
  summary: "A bulk run: its progress and counts",
  request: { params: BulkParams },
  responses: { 200: jsonResponse("The run", BulkView), ...problemResponses(404, 503) },
});

const outcomesRoute = createRoute({
  method: "get",
  path: `${RUN}/outcomes`,
  summary: "A bulk run's outcome per machine, in machine id order",
  request: { params: BulkParams, query: BulkOutcomesQuery },
  responses: {
    200: jsonResponse("A page of outcomes", BulkOutcomesView),
    ...problemResponses(400, 404, 422, 503),
  },
});

const cancelRoute = createRoute({
  method: "post",
  path: `${RUN}/cancel`,
  summary: "Cancel a running bulk run: it stops before its next machine; a finished run is left as it is",
  request: { params: BulkParams },
  responses: { 200: jsonResponse("The run", BulkView), ...problemResponses(404, 503) },
});

export function registerBulkRoutes(app: ApiApp, api: ApiContext, bulk: BulkApiOptions): void {
  app.openapi(startRoute, async (context) => {
    const { ns } = context.req.valid("param");
    const body = context.req.valid("json");
    requireNamespace(api.engine, ns);
    const started = await startBulk(
      { ...bulk, queries: api.queries, nowUs: api.nowUs() },
      {
        namespace: ns,
        action: body.action,
        filter: body.filter,
        args: body.args,
        ...(body.rate_per_second === undefined ? {} : { ratePerSecond: body.rate_per_second }),
        dryRun: body.dry_run === true,
        actor: actorOf(context),
      },
    );
    if (started.dryRun) {
      const { selected } = started;
      return context.json(
        { dry_run: true as const, selected, selected_capped_at: BULK_DEFAULTS.selectionCountCap },
        200,
      );
    }
    bulk.onStarted?.();
    const { run } = started;
    return context.json(bulkRunView(run), 202, { location: `/v1/bulk/${encodeURIComponent(run.id)}` });
  });

  app.openapi(listRoute, async (context) => {
    const { ns } = context.req.valid("param");
    requireNamespace(api.engine, ns);
    const runs = await bulk.store.listBulkRuns(ns, { limit: BULK_DEFAULTS.runsListedMax });
    return context.json({ bulk: runs.map(bulkRunView) }, 200);
  });

  app.openapi(readRoute, async (context) => {
    const run = await existingRun(bulk.store, context.req.valid("param").id);
    requireRunAccess(context, run, "read");
    return context.json(bulkRunView(run), 200);
  });

  app.openapi(outcomesRoute, async (context) => {
    const { id } = context.req.valid("param");
    const query = context.req.valid("query");
    const limit = pageSizeOf(query.limit, {
      limit: "bulk outcomes in one page",
      fallback: BULK_DEFAULTS.outcomesPageDefault,
      max: BULK_DEFAULTS.outcomesPageMax,
    });
    const afterMachineId = cursorIdOf(query.cursor);
    requireRunAccess(context, await existingRun(bulk.store, id), "read");
    const found = await bulk.store.listBulkOutcomes(id, {
      limit,
      ...(afterMachineId === undefined ? {} : { afterMachineId }),
    });
    const last = found.at(-1);
    const next = found.length === limit && last !== undefined ? cursorOf(last.machineId) : null;
    return context.json({ outcomes: found.map(bulkOutcomeView), next_cursor: next }, 200);
  });

  app.openapi(cancelRoute, async (context) => {
    const { id } = context.req.valid("param");
    requireRunAccess(context, await existingRun(bulk.store, id), "operate");
    const run = await bulk.store.cancelBulkRun(id, api.nowUs());
    if (run === null) throw new BulkRunNotFoundError(id);
    return context.json(bulkRunView(run), 200);
  });
}

/**
 * A run's id names no namespace, so access control lets any grant with the role somewhere through; the run's own
 * namespace decides here (403 as access control answers it).
 */
function requireRunAccess(context: Context, run: BulkRun, role: Role): void {
  const grant = grantOf(context);
  if (grantAllows(grant, run.namespace, role)) return;
  const request = `${context.req.method} ${context.req.path}`;
  throw new HTTPException(403, { res: forbiddenResponse(grant, request, role, run.namespace) });
}

async function existingRun(store: BulkStore, id: string): Promise<BulkRun> {
  const run = await store.readBulkRun(id);
  if (run === null) throw new BulkRunNotFoundError(id);
  return run;
}
