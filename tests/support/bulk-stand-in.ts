/**
 * A STAND-IN for the bulk operations' API, until the node has its own: the contract's routes (dry run, start,
 * progress, outcomes, the namespace's runs, cancel) over the real engine, held in memory, one machine at a time.
 * Only the console's tests use it, to drive the console's bulk panel through the contract; it is not durable,
 * not rate-limited and not audited, so it is no implementation of bulk operations.
 */

import type { MachineStatus } from "../../src/core/machine.js";
import { parseTimestampUs } from "../../src/core/time.js";
import type { EngineApi } from "../../src/engine/engine-api.js";
import { payloadOf } from "../../src/http/api/payloads.js";
import { problemOf } from "../../src/http/api/problems.js";
import type { NodeApp } from "../../src/http/routes.js";
import type { OperatorQueries } from "../../src/storage/operator-queries.js";

interface BulkBody {
  readonly action: "simple_repair" | "repair" | "resume" | "retry_now" | "notify";
  readonly filter: { status?: string; id_prefix?: string; timer_due_before?: string; updated_since?: string };
  readonly args?: unknown;
  readonly dry_run?: boolean;
}

interface Run {
  readonly view: {
    id: string;
    namespace: string;
    action: BulkBody["action"];
    filter: BulkBody["filter"];
    status: "running" | "done" | "cancelled";
    selected: number;
    done: number;
    succeeded: number;
    failed: number;
    created_at: string;
    updated_at: string;
    actor: string;
  };
  readonly outcomes: { machine_id: string; outcome: "ok" | "failed"; error_type?: string; detail?: string }[];
}

async function selectIds(
  queries: OperatorQueries,
  namespace: string,
  filter: BulkBody["filter"],
): Promise<string[]> {
  const ids: string[] = [];
  let afterId: string | undefined;
  for (;;) {
    const page = await queries.searchMachines(namespace, {
      limit: 1000,
      ...(filter.status === undefined ? {} : { status: filter.status as MachineStatus }),
      ...(filter.id_prefix === undefined ? {} : { idPrefix: filter.id_prefix }),
      ...(filter.timer_due_before === undefined
        ? {}
        : {
            timerDueBeforeUs: parseTimestampUs(filter.timer_due_before, "timer_due_before", {
              requireUtc: false,
            }),
          }),
      ...(filter.updated_since === undefined
        ? {}
        : { updatedSinceUs: parseTimestampUs(filter.updated_since, "updated_since", { requireUtc: false }) }),
      ...(afterId === undefined ? {} : { afterId }),
    });
    ids.push(...page.map((record) => record.id));
    if (page.length < 1000) return ids;
    afterId = page.at(-1)?.id;
  }
}

async function runAction(engine: EngineApi, run: Run, id: string, args: unknown): Promise<void> {
  const { namespace, action } = run.view;
  if (action === "simple_repair") await engine.simpleRepair(namespace, id);
  else if (action === "repair") await engine.repair(namespace, id, payloadOf(args ?? null, "args"));
  else if (action === "resume") await engine.resume(namespace, id);
  else if (action === "retry_now") await engine.retryNow(namespace, id);
  else await engine.notify(namespace, id, payloadOf(args ?? null, "args"));
}

async function execute(engine: EngineApi, run: Run, ids: readonly string[], args: unknown): Promise<void> {
  for (const id of ids) {
    if (run.view.status === "cancelled") return;
    try {
      await runAction(engine, run, id, args);
      run.outcomes.push({ machine_id: id, outcome: "ok" });
      run.view.succeeded += 1;
    } catch (error) {
      const { problem } = problemOf(error);
      run.outcomes.push({
        machine_id: id,
        outcome: "failed",
        error_type: problem.type,
        detail: problem.detail,
      });
      run.view.failed += 1;
    }
    run.view.done += 1;
    run.view.updated_at = new Date().toISOString();
  }
  run.view.status = "done";
}

export function mountBulkStandIn(
  app: NodeApp,
  options: { engine: EngineApi; queries: OperatorQueries },
): void {
  const runs = new Map<string, Run>();
  app.post("/v1/namespaces/:ns/bulk", async (context) => {
    const namespace = context.req.param("ns");
    const body = (await context.req.json()) as BulkBody;
    const ids = await selectIds(options.queries, namespace, body.filter);
    if (body.dry_run === true) return context.json({ dry_run: true, selected: ids.length }, 200);
    const at = new Date().toISOString();
    const id = `bulk-${runs.size + 1}`;
    const view = {
      id,
      namespace,
      action: body.action,
      filter: body.filter,
      status: "running" as const,
      selected: ids.length,
    };
    const run: Run = {
      view: { ...view, done: 0, succeeded: 0, failed: 0, created_at: at, updated_at: at, actor: "stand-in" },
      outcomes: [],
    };
    runs.set(id, run);
    void execute(options.engine, run, ids, body.args);
    return context.json(run.view, 202, { location: `/v1/bulk/${id}` });
  });
  app.get("/v1/namespaces/:ns/bulk", (context) => {
    const namespace = context.req.param("ns");
    const bulk = [...runs.values()].filter((run) => run.view.namespace === namespace).map((run) => run.view);
    return context.json({ bulk: bulk.reverse() });
  });
  app.get("/v1/bulk/:id", (context) => {
    const run = runs.get(context.req.param("id"));
    return run === undefined
      ? context.json({ type: "urn:ratchet:problem:bulk-not-found" }, 404)
      : context.json(run.view);
  });
  app.get("/v1/bulk/:id/outcomes", (context) => {
    const run = runs.get(context.req.param("id"));
    return context.json({ outcomes: run?.outcomes ?? [], next_cursor: null });
  });
  app.post("/v1/bulk/:id/cancel", (context) => {
    const run = runs.get(context.req.param("id"));
    if (run !== undefined && run.view.status === "running") run.view.status = "cancelled";
    return context.json(run?.view ?? {});
  });
}
