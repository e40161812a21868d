/**
 * `GET /v1/outbox`: per sink the node publishes to, the records waiting, how long ago the oldest was committed,
 * and the records parked. Read from the outbox store per request: one statement per sink on its sink index.
 */
import { createRoute } from "@hono/zod-openapi";
import { MICROSECONDS_PER_MILLISECOND } from "../../core/time.js";
import type { OutboxStore } from "../../storage/outbox-store.js";
import type { ApiApp, ApiContext } from "./api-context.js";
import { jsonResponse, problemResponses } from "./openapi-responses.js";
import { OutboxList } from "./schemas.js";

/** The node's sinks and where their backlog is read. */
export interface OutboxSource {
  readonly sinks: readonly string[];
  readonly store: Pick<OutboxStore, "outboxBacklog">;
}

const outboxRoute = createRoute({
  method: "get",
  path: "/v1/outbox",
  summary:
    "The outbox backlog of each sink this node publishes to: records pending, the oldest's lag, parked",
  responses: { 200: jsonResponse("The sinks' backlogs", OutboxList), ...problemResponses(503) },
});

export function registerOutboxRoutes(app: ApiApp, api: ApiContext, source: OutboxSource | undefined): void {
  app.openapi(outboxRoute, async (context) => {
    const sinks =
      source === undefined
        ? []
        : await Promise.all(source.sinks.map((name) => backlogView(source.store, name, api.nowUs)));
    return context.json({ sinks }, 200);
  });
}

async function backlogView(store: OutboxSource["store"], name: string, nowUs: () => number) {
  const { records, oldestCreatedAtUs, parked } = await store.outboxBacklog(name);
  const oldestLagMs =
    oldestCreatedAtUs === null
      ? null
      : Math.max(0, nowUs() - oldestCreatedAtUs) / MICROSECONDS_PER_MILLISECOND;
  return { name, pending: records, oldest_lag_ms: oldestLagMs, parked };
}
