/**
 * `GET /v1/namespaces`: the configured namespaces with their machines counted by status, and their timers due in
 * the next minute. A console polls it, so a count must not cost a scan of the namespace: each status is counted
 * by an index-only scan of the status index, the timers by a range scan of the timer index, each stopping at
 * JSON_API_LIMITS.statusCountCap entries (a count at the cap reads "at least"), and a
 * namespace's counts are reused for statusCountCacheMs. Counters kept by every step would be exact, but they
 * would put one more contended row write on the hot path of every status change.
 */
import { createRoute } from "@hono/zod-openapi";
import { JSON_API_LIMITS, OPERATOR_READ_LIMITS } from "../../core/limits.js";
import type { MachineStatus } from "../../core/machine.js";
import { MICROSECONDS_PER_MILLISECOND } from "../../core/time.js";
import { allows } from "../access/grant.js";
import type { ApiApp, ApiContext } from "./api-context.js";
import { jsonResponse, problemResponses } from "./openapi-responses.js";
import { NamespaceList } from "./schemas.js";
import { instantText } from "./views.js";

const namespacesRoute = createRoute({
  method: "get",
  path: "/v1/namespaces",
  summary:
    "The configured namespaces, with their machines counted by status and their timers due in the next minute (capped, cached briefly)",
  responses: { 200: jsonResponse("The namespaces", NamespaceList), ...problemResponses(503) },
});

interface Counted {
  readonly countedAtUs: number;
  readonly counts: Record<MachineStatus, number>;
  readonly timersDueNextMinute: number;
}

export function registerNamespaceRoutes(app: ApiApp, api: ApiContext): void {
  const cache = new Map<string, Counted>();
  const cacheUs = JSON_API_LIMITS.statusCountCacheMs * MICROSECONDS_PER_MILLISECOND;
  const countsOf = async (namespace: string): Promise<Counted> => {
    const cached = cache.get(namespace);
    const nowUs = api.nowUs();
    if (cached !== undefined && nowUs - cached.countedAtUs < cacheUs) return cached;
    const [counts, timersDueNextMinute] = await Promise.all([
      api.queries.countMachinesByStatus(namespace, { capPerStatus: JSON_API_LIMITS.statusCountCap }),
      api.queries.countTimersDue(namespace, {
        dueBeforeUs: nowUs + OPERATOR_READ_LIMITS.timersDueWindowMs * MICROSECONDS_PER_MILLISECOND,
        cap: JSON_API_LIMITS.statusCountCap,
      }),
    ]);
    const counted = { countedAtUs: nowUs, counts, timersDueNextMinute };
    cache.set(namespace, counted);
    return counted;
  };
  app.openapi(namespacesRoute, async (context) => {
    const visible = api.engine.namespaces().filter((name) => allows(context, name, "read"));
    const namespaces = await Promise.all(
      // A token limited to some namespaces sees only those.
      visible.map(async (name) => {
        const { counts, countedAtUs, timersDueNextMinute } = await countsOf(name);
        return {
          name,
          machine_counts: counts,
          counts_capped_at: JSON_API_LIMITS.statusCountCap,
          counted_at: instantText(countedAtUs),
          timers_due_next_minute: timersDueNextMinute,
        };
      }),
    );
    return context.json({ namespaces }, 200);
  });
}
