/**
 * Machines as resources: create (start), read with a page of history, remove, search a namespace, and a
 * machine's pending notifications.
 */
import { createRoute } from "@hono/zod-openapi";
import { validateHistoryRange } from "../../core/history-range.js";
import { JSON_API_LIMITS } from "../../core/limits.js";
import { payloadViewOf } from "../access/grant.js";
import { actorOf } from "../actor.js";
import { type ApiApp, type ApiContext, keyedRequestOf } from "./api-context.js";
import { jsonResponse, problemResponses, STEP_PROBLEMS } from "./openapi-responses.js";
import { payloadOf } from "./payloads.js";
import {
  cursorIdOf,
  cursorOf,
  idPrefixOf,
  instantOf,
  pageSizeOf,
  requireNamespace,
  wholeNumberOf,
} from "./request-parts.js";
import {
  HistoryQuery,
  IdempotencyHeaders,
  MachinePage,
  MachineParams,
  MachineView,
  NamespaceParams,
  NotificationList,
  SearchQuery,
  StartBody,
} from "./schemas.js";
import { machineSummary, machineView, notificationView } from "./views.js";

const MACHINES = "/v1/namespaces/{ns}/machines";
const MACHINE = `${MACHINES}/{id}`;
const FIRST_PAGE = { limit: JSON_API_LIMITS.eventsPageDefault, direction: "forward" } as const;

const startRoute = createRoute({
  method: "post",
  path: MACHINES,
  summary: "Create a machine: its init step through the namespace's processor",
  request: {
    params: NamespaceParams,
    headers: IdempotencyHeaders,
    body: { content: { "application/json": { schema: StartBody } }, required: true },
  },
  responses: {
    201: jsonResponse("Created, with its first page of events", MachineView),
    ...problemResponses(...STEP_PROBLEMS),
  },
});

const getRoute = createRoute({
  method: "get",
  path: MACHINE,
  summary: "A machine: status, timer, aux state and a page of its events",
  request: { params: MachineParams, query: HistoryQuery },
  responses: { 200: jsonResponse("The machine", MachineView), ...problemResponses(400, 404, 422, 503) },
});

const removeRoute = createRoute({
  method: "delete",
  path: MACHINE,
  summary: "Remove a machine with its history and pending notifications",
  request: { params: MachineParams },
  responses: { 204: { description: "Removed" }, ...problemResponses(400, 404, 422, 503, 504) },
});

const searchRoute = createRoute({
  method: "get",
  path: MACHINES,
  summary:
    "Search a namespace's machines by status, id prefix, timer and change time; all machines when unfiltered",
  request: { params: NamespaceParams, query: SearchQuery },
  responses: {
    200: jsonResponse("A page of machines, by id", MachinePage),
    ...problemResponses(400, 404, 422, 503),
  },
});

const notificationsRoute = createRoute({
  method: "get",
  path: `${MACHINE}/notifications`,
  summary: "A machine's notifications waiting for delivery",
  request: { params: MachineParams },
  responses: {
    200: jsonResponse("Pending notifications, by due time", NotificationList),
    ...problemResponses(400, 404, 503),
  },
});

export function registerMachineRoutes(app: ApiApp, api: ApiContext): void {
  const { engine, queries } = api;
  app.openapi(startRoute, async (context) => {
    const { ns } = context.req.valid("param");
    const body = context.req.valid("json");
    const args = payloadOf(body.args, "args");
    const header = context.req.valid("header")["idempotency-key"];
    const idempotency = keyedRequestOf(header, { operation: "start", machineId: body.id, args });
    await api.inFlight.run(ns, idempotency, () =>
      engine.start(ns, body.id, args, idempotency === undefined ? {} : { idempotency }),
    );
    const read = await engine.get(ns, body.id, FIRST_PAGE);
    const location = `/v1/namespaces/${encodeURIComponent(ns)}/machines/${encodeURIComponent(body.id)}`;
    const view = machineView(read.record, read.history, read.historyRange, payloadViewOf(context));
    return context.json(view, 201, { location });
  });

  app.openapi(getRoute, async (context) => {
    const { ns, id } = context.req.valid("param");
    const query = context.req.valid("query");
    const limit = pageSizeOf(query.limit, {
      limit: "events in one page",
      fallback: JSON_API_LIMITS.eventsPageDefault,
      max: JSON_API_LIMITS.eventsPageMax,
    });
    const range = validateHistoryRange({
      after: wholeNumberOf(query.after),
      limit,
      direction: query.direction,
    });
    const read = await engine.get(ns, id, range);
    return context.json(machineView(read.record, read.history, range, payloadViewOf(context)), 200);
  });

  app.openapi(removeRoute, async (context) => {
    const { ns, id } = context.req.valid("param");
    await engine.remove(ns, id, { actor: actorOf(context) });
    return context.body(null, 204);
  });

  app.openapi(searchRoute, async (context) => {
    const { ns } = context.req.valid("param");
    const query = context.req.valid("query");
    requireNamespace(engine, ns);
    const limit = pageSizeOf(query.limit, {
      limit: "machines in one page",
      fallback: JSON_API_LIMITS.machinesPageDefault,
      max: JSON_API_LIMITS.machinesPageMax,
    });
    const afterId = cursorIdOf(query.cursor);
    const idPrefix = idPrefixOf(query.prefix);
    const timerDueBeforeUs = instantOf(query.timer_due_before, "timer_due_before");
    const updatedSinceUs = instantOf(query.updated_since, "updated_since");
    const found = await queries.searchMachines(ns, {
      limit,
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(idPrefix === undefined ? {} : { idPrefix }),
      ...(timerDueBeforeUs === undefined ? {} : { timerDueBeforeUs }),
      ...(updatedSinceUs === undefined ? {} : { updatedSinceUs }),
      ...(afterId === undefined ? {} : { afterId }),
    });
    const last = found.at(-1);
    const next = found.length === limit && last !== undefined ? cursorOf(last.id) : null;
    return context.json({ machines: found.map(machineSummary), next_cursor: next }, 200);
  });

  app.openapi(notificationsRoute, async (context) => {
    const { ns, id } = context.req.valid("param");
    await engine.get(ns, id, { limit: 0, direction: "forward" }); // the namespace and machine must exist
    const pending = await queries.listNotifications(ns, id);
    return context.json({ notifications: pending.map(notificationView) }, 200);
  });
}
