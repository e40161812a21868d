/**
 * Steps on a machine: call and repair through the processor, simple repair, and notify (a notification stored
 * now, delivered later). Start, call, repair and notify take an Idempotency-Key.
 */
import { createRoute } from "@hono/zod-openapi";
import { type HistoryRange, validateHistoryRange } from "../../core/history-range.js";
import type { IdempotencyRequest, IdempotentOperation } from "../../core/idempotency.js";
import type { Payload } from "../../core/machine.js";
import { payloadViewOf } from "../access/grant.js";
import { actorOf } from "../actor.js";
import { type ApiApp, type ApiContext, keyedRequestOf } from "./api-context.js";
import { jsonResponse, problemResponses, STEP_PROBLEMS } from "./openapi-responses.js";
import { payloadOf } from "./payloads.js";
import { ArgsBody, IdempotencyHeaders, MachineParams, NotifiedView, ResponseView } from "./schemas.js";

const MACHINE = "/v1/namespaces/{ns}/machines/{id}";

const stepRequest = {
  params: MachineParams,
  headers: IdempotencyHeaders,
  body: { content: { "application/json": { schema: ArgsBody } }, required: true },
};

function rangedRoute(operation: "call" | "repair", summary: string) {
  return createRoute({
    method: "post",
    path: `${MACHINE}/${operation}`,
    summary,
    request: stepRequest,
    responses: {
      200: jsonResponse("The processor's response, after the step committed", ResponseView),
      ...problemResponses(...STEP_PROBLEMS),
    },
  });
}

const callRoute = rangedRoute("call", "Run a call step and return the processor's response");
const repairRoute = rangedRoute("repair", "Repair a failed machine through its processor");
const notifyRoute = createRoute({
  method: "post",
  path: `${MACHINE}/notify`,
  summary: "Store a notification for the machine",
  request: stepRequest,
  responses: {
    202: jsonResponse("Stored; it is delivered as a notification step later", NotifiedView),
    ...problemResponses(...STEP_PROBLEMS),
  },
});

const simpleRepairRoute = createRoute({
  method: "post",
  path: `${MACHINE}/simple-repair`,
  summary: "Return a failed machine to its status before the failure, without the processor",
  request: { params: MachineParams },
  responses: { 204: { description: "Repaired" }, ...problemResponses(400, 404, 409, 422, 503, 504) },
});

interface StepInput {
  readonly args: Payload;
  readonly range: HistoryRange;
  readonly idempotency: IdempotencyRequest | undefined;
}

/** The body's arguments and range, and the request's key fingerprinted with them. */
function stepInputOf(
  operation: IdempotentOperation,
  machineId: string,
  body: { args?: unknown; range?: { after?: number; limit?: number; direction?: string } | undefined },
  header: string | undefined,
): StepInput {
  const args = payloadOf(body.args, "args");
  const range = validateHistoryRange(body.range ?? {});
  return { args, range, idempotency: keyedRequestOf(header, { operation, machineId, args, range }) };
}

function optionsOf(input: StepInput) {
  return {
    range: input.range,
    ...(input.idempotency === undefined ? {} : { idempotency: input.idempotency }),
  };
}

export function registerStepRoutes(app: ApiApp, api: ApiContext): void {
  const { engine, inFlight } = api;
  const ranged = (route: typeof callRoute, operation: "call" | "repair") =>
    app.openapi(route, async (context) => {
      const { ns, id } = context.req.valid("param");
      const header = context.req.valid("header")["idempotency-key"];
      const input = stepInputOf(operation, id, context.req.valid("json"), header);
      // A repair is an operator's action, audited under the request's actor; a call is a program's traffic.
      const actor = operation === "repair" ? { actor: actorOf(context) } : {};
      const response = await inFlight.run(ns, input.idempotency, () =>
        engine[operation](ns, id, input.args, { ...optionsOf(input), ...actor }),
      );
      return context.json({ response: payloadViewOf(context)(response) }, 200);
    });
  ranged(callRoute, "call");
  ranged(repairRoute, "repair");

  app.openapi(notifyRoute, async (context) => {
    const { ns, id } = context.req.valid("param");
    const header = context.req.valid("header")["idempotency-key"];
    const input = stepInputOf("notify", id, context.req.valid("json"), header);
    const notificationId = await inFlight.run(ns, input.idempotency, () =>
      engine.notify(ns, id, input.args, optionsOf(input)),
    );
    return context.json({ notification_id: notificationId }, 202);
  });

  app.openapi(simpleRepairRoute, async (context) => {
    const { ns, id } = context.req.valid("param");
    await engine.simpleRepair(ns, id, { actor: actorOf(context) });
    return context.body(null, 204);
  });
}
