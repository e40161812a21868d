/**
 * The step journal and the flow, and the operator's hold on a machine: a machine's steps (paged), a namespace's
 * flow (JSON, or Mermaid text), and pause, resume and retry-now.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Flow, StepFigures } from "../../core/flow.js";
import { flowToMermaid } from "../../core/flow.js";
import type { JournalEntry } from "../../core/journal.js";
import { parseTimestampUs } from "../../core/time.js";
import { actorOf } from "../actor.js";
import type { ApiApp, ApiContext } from "./api-context.js";
import { jsonResponse, problemResponses } from "./openapi-responses.js";
import { Instant, MachineParams, NamespaceParams } from "./schemas.js";
import { instantText } from "./views.js";

const MACHINE = "/v1/namespaces/{ns}/machines/{id}";
const WHOLE_NUMBER = /^\d{1,15}$/;

const StepView = z
  .object({
    step_number: z.number().int(),
    kind: z
      .string()
      .openapi({ description: "init, call, repair, timer, notification, or an operator's step" }),
    name: z.string().openapi({ description: "The step's name: the one its timer carried, else its kind" }),
    processor: z.string().nullable(),
    attempt: z.number().int(),
    started_at: Instant,
    ended_at: Instant,
    duration_ms: z.number(),
    outcome: z.enum(["committed", "transient_error", "fatal_error", "lease_lost", "refused"]),
    error_class: z.string().nullable(),
    error_text: z.string().nullable(),
    events_appended: z.number().int(),
  })
  .openapi("Step");

export const StepPage = z
  .object({
    steps: z.array(StepView),
    next_after: z.number().int().nullable().openapi({ description: "Pass as `after` for the next page" }),
  })
  .openapi("StepPage");

const Figures = {
  count: z.number().int().openapi({ description: "Visits: a step and its retries count once" }),
  attempts: z.number().int(),
  p50_ms: z.number(),
  p95_ms: z.number(),
  failure_rate: z.number(),
  retry_rate: z.number(),
  declared: z
    .boolean()
    .nullable()
    .openapi({ description: "Whether the declared flow has it; null without one" }),
};

export const FlowView = z
  .object({
    namespace: z.string(),
    since: Instant,
    until: Instant,
    entries: z.number().int(),
    truncated: z.boolean(),
    nodes: z.array(z.object({ step: z.string(), ...Figures })),
    edges: z.array(z.object({ from: z.string(), to: z.string(), ...Figures })),
  })
  .openapi("Flow");

const stepsRoute = createRoute({
  method: "get",
  path: `${MACHINE}/steps`,
  summary: "A page of the machine's step journal",
  request: {
    params: MachineParams,
    query: z.object({
      after: z.string().regex(WHOLE_NUMBER, "must be a whole number").optional(),
      limit: z.string().regex(WHOLE_NUMBER, "must be a whole number").optional(),
      direction: z.enum(["forward", "backward"]).optional(),
    }),
  },
  responses: {
    200: jsonResponse("The steps, oldest first (backward: newest first)", StepPage),
    ...problemResponses(400, 404, 503),
  },
});

const flowRoute = createRoute({
  method: "get",
  path: "/v1/namespaces/{ns}/flow",
  summary: "The namespace's flow over a window, from the step journal",
  request: {
    params: NamespaceParams,
    query: z.object({
      since: Instant.optional().openapi({ description: "Default: an hour before `until`" }),
      until: Instant.optional().openapi({ description: "Default: now" }),
      format: z.enum(["json", "mermaid"]).optional(),
    }),
  },
  responses: {
    200: {
      description: "The flow as JSON, or as Mermaid text beginning with `flowchart` (format=mermaid)",
      content: { "application/json": { schema: FlowView }, "text/plain": { schema: z.string() } },
    },
    ...problemResponses(400, 404, 503),
  },
});

const HOLD_PROBLEMS = problemResponses(400, 404, 409, 503, 504);

function holdRoute(action: "resume" | "retry-now", summary: string) {
  return createRoute({
    method: "post",
    path: `${MACHINE}/${action}`,
    summary,
    request: { params: MachineParams },
    responses: { 204: { description: "Done" }, ...HOLD_PROBLEMS },
  });
}

const PauseBody = z.object({ reason: z.string().min(1) }).openapi("PauseBody");
const pauseRoute = createRoute({
  method: "post",
  path: `${MACHINE}/pause`,
  summary: "Pause a working machine: its pending step waits for resume",
  request: {
    params: MachineParams,
    body: { content: { "application/json": { schema: PauseBody } }, required: true },
  },
  responses: { 204: { description: "Paused (or already paused)" }, ...HOLD_PROBLEMS },
});
const resumeRoute = holdRoute("resume", "Run a paused machine's pending step again, with fresh retries");
const retryNowRoute = holdRoute(
  "retry-now",
  "Run a retrying machine's next attempt now, without its backoff",
);

export function registerJournalRoutes(app: ApiApp, api: ApiContext): void {
  const { engine } = api;
  app.openapi(stepsRoute, async (context) => {
    const { ns, id } = context.req.valid("param");
    const query = context.req.valid("query");
    const direction = query.direction ?? "forward";
    const limit = query.limit === undefined ? undefined : Number(query.limit);
    const steps = await engine.steps(ns, id, {
      direction,
      ...(query.after === undefined ? {} : { after: Number(query.after) }),
      ...(limit === undefined ? {} : { limit }),
    });
    const last = steps.at(-1);
    const full = last !== undefined && steps.length === (limit ?? 100);
    return context.json({ steps: steps.map(stepView), next_after: full ? last.stepNumber : null }, 200);
  });

  app.openapi(flowRoute, async (context) => {
    const { ns } = context.req.valid("param");
    const query = context.req.valid("query");
    const flow = await engine.flow(ns, {
      ...(query.since === undefined
        ? {}
        : { sinceUs: parseTimestampUs(query.since, "since", { requireUtc: false }) }),
      ...(query.until === undefined
        ? {}
        : { untilUs: parseTimestampUs(query.until, "until", { requireUtc: false }) }),
    });
    if (query.format === "mermaid") return context.text(flowToMermaid(flow), 200);
    return context.json(flowView(flow), 200);
  });

  app.openapi(pauseRoute, async (context) => {
    const { ns, id } = context.req.valid("param");
    const { reason } = context.req.valid("json");
    await engine.pause(ns, id, reason, { actor: actorOf(context) });
    return context.body(null, 204);
  });
  app.openapi(resumeRoute, async (context) => {
    const { ns, id } = context.req.valid("param");
    await engine.resume(ns, id, { actor: actorOf(context) });
    return context.body(null, 204);
  });
  app.openapi(retryNowRoute, async (context) => {
    const { ns, id } = context.req.valid("param");
    await engine.retryNow(ns, id, { actor: actorOf(context) });
    return context.body(null, 204);
  });
}

function stepView(entry: JournalEntry) {
  return {
    step_number: entry.stepNumber,
    kind: entry.kind,
    name: entry.name,
    processor: entry.processor,
    attempt: entry.attempt,
    started_at: instantText(entry.startedAtUs),
    ended_at: instantText(entry.endedAtUs),
    duration_ms: (entry.endedAtUs - entry.startedAtUs) / 1000,
    outcome: entry.outcome,
    error_class: entry.errorClass,
    error_text: entry.errorText,
    events_appended: entry.eventsAppended,
  };
}

function figuresView(figures: StepFigures & { declared: boolean | null }) {
  return {
    count: figures.count,
    attempts: figures.attempts,
    p50_ms: figures.p50Ms,
    p95_ms: figures.p95Ms,
    failure_rate: figures.failureRate,
    retry_rate: figures.retryRate,
    declared: figures.declared,
  };
}

function flowView(flow: Flow) {
  return {
    namespace: flow.namespace,
    since: instantText(flow.sinceUs),
    until: instantText(flow.untilUs),
    entries: flow.entries,
    truncated: flow.truncated,
    nodes: flow.nodes.map((node) => ({ step: node.step, ...figuresView(node) })),
    edges: flow.edges.map((edge) => ({ from: edge.from, to: edge.to, ...figuresView(edge) })),
  };
}
