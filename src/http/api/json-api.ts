/**
 * The JSON API under `/v1/`, and its OpenAPI 3.1 document at `/openapi.json`, mounted on the node's HTTP server
 * beside the Automaton. Hono with @hono/zod-openapi: one zod schema per request part both validates the request
 * and documents it, so the document cannot drift from what is enforced; in-process tests call `app.request()`.
 * Every refusal is `application/problem+json` from the one error table (problems.ts).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import { coerceError } from "../../core/errors.js";
import { DEFAULT_LIMITS, JSON_API_LIMITS } from "../../core/limits.js";
import type { EngineApi } from "../../engine/engine-api.js";
import type { AuditStore } from "../../storage/audit-store.js";
import type { OperatorQueries } from "../../storage/operator-queries.js";
import { bodyLimit } from "../body-limit.js";
import type { NodeApp } from "../routes.js";
import type { ApiContext } from "./api-context.js";
import { registerAuditRoutes } from "./audit-routes.js";
import { type BulkApiOptions, registerBulkRoutes } from "./bulk-routes.js";
import { KeysInFlight } from "./idempotency.js";
import { registerJournalRoutes } from "./journal-routes.js";
import { registerMachineRoutes } from "./machine-routes.js";
import { registerNamespaceRoutes } from "./namespace-routes.js";
import { type OutboxSource, registerOutboxRoutes } from "./outbox-routes.js";
import { problem, problemOf, problemResponse } from "./problems.js";
import { registerStepRoutes } from "./step-routes.js";
import { requestTraceContext } from "./trace-context.js";

export const API_PREFIX = "/v1";
export const OPENAPI_PATH = "/openapi.json";
export const REQUEST_BODY_LIMIT = "request body bytes";

export interface JsonApiOptions {
  readonly engine: EngineApi;
  /** Operator queries, and the audit log behind `GET /v1/audit`. */
  readonly queries: OperatorQueries & Pick<AuditStore, "listAudit">;
  /** The current instant in µs (the status counts' cache). */
  readonly nowUs: () => number;
  /** Request bodies above this are refused with 413 before they are read in full. */
  readonly bodyBytesMax: number;
  /** Bulk operations' routes, served when given (a node's JSON API has them; see bulk-routes.ts). */
  readonly bulk?: BulkApiOptions;
  /** Sees every failure answered with 500, for logging. */
  readonly onUnexpectedError?: (error: Error, method: string) => void;
  /** The sinks `GET /v1/outbox` reports on; none when absent. */
  readonly outbox?: OutboxSource;
}

/**
 * The body bound for namespaces with these argument limits: base64 of bytes and JSON escapes take up to about four
 * times the stored bytes, and the range and punctuation a little more.
 */
export function jsonBodyBytesMax(argsBytesMax: readonly number[]): number {
  const largest = Math.max(DEFAULT_LIMITS.argsBytesMax, ...argsBytesMax);
  return JSON_BODY_ARGS_FACTOR * largest + JSON_API_LIMITS.requestBodyOverheadBytes;
}

const JSON_BODY_ARGS_FACTOR = 4;

export function createJsonApi(options: JsonApiOptions): OpenAPIHono {
  const app = new OpenAPIHono({ defaultHook: refuseInvalid });
  const traced = requestTraceContext(options.engine);
  app.use(`${API_PREFIX}/*`, traced.middleware);
  const api: ApiContext = {
    engine: traced.engine,
    queries: options.queries,
    inFlight: new KeysInFlight(),
    nowUs: options.nowUs,
  };
  app.use(
    `${API_PREFIX}/*`,
    bodyLimit({
      maxBytes: options.bodyBytesMax,
      onTooLarge: () =>
        problemResponse(
          problem(
            "request_too_large",
            413,
            "Request body too large",
            `the body is over ${options.bodyBytesMax} bytes`,
            {
              limit: REQUEST_BODY_LIMIT,
              maximum: options.bodyBytesMax,
            },
          ),
        ),
    }),
  );
  registerNamespaceRoutes(app, api);
  registerMachineRoutes(app, api);
  registerStepRoutes(app, api);
  registerJournalRoutes(app, api);
  registerOutboxRoutes(app, api, options.outbox);
  registerAuditRoutes(app, options.queries);
  if (options.bulk !== undefined) registerBulkRoutes(app, api, options.bulk);
  let document: unknown;
  app.get(OPENAPI_PATH, (context) => {
    document ??= app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "Ratchet JSON API",
        version: "1",
        description:
          "Machines of a durable machine engine: create, read, call, repair, notify, remove, search. Payloads are natural JSON; errors are RFC 9457 problem details.",
      },
    });
    return context.json(document);
  });
  app.all(OPENAPI_PATH, () =>
    problemResponse(
      problem("method_not_allowed", 405, "Method not allowed", `${OPENAPI_PATH} answers GET only`),
    ),
  );
  app.all(`${API_PREFIX}/*`, (context) =>
    problemResponse(
      problem("not_found", 404, "Not found", `no route for ${context.req.method} ${context.req.path}`),
    ),
  );
  app.onError((error, context) => {
    // A refusal that carries its own problem response (a route's access check) is answered as it is.
    if (error instanceof HTTPException && error.res !== undefined) return error.getResponse();
    const answer = problemOf(error);
    if (answer.unexpected)
      options.onUnexpectedError?.(coerceError(error), `${context.req.method} ${context.req.path}`);
    return problemResponse(answer.problem);
  });
  return app;
}

/** Adds the JSON API to the node's routes: `createHttpServer({ mount: mountJsonApi(options) })`. */
export function mountJsonApi(options: JsonApiOptions): (app: NodeApp) => void {
  return function mountJsonApiRoutes(app) {
    app.route("/", createJsonApi(options));
  };
}

/** A request part that does not validate: 400, naming the first field and listing every issue. */
function refuseInvalid(result: { success: boolean; target: string; error?: ZodError }): Response | undefined {
  if (result.success || result.error === undefined) return undefined;
  const issues = result.error.issues.map((issue) => ({
    field: [result.target, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  const first = issues[0];
  return problemResponse(
    problem(
      "invalid_request",
      400,
      "Invalid request",
      first === undefined ? "invalid" : `${first.field}: ${first.message}`,
      {
        code: "invalid_request",
        failure_class: "processed",
        field: first?.field ?? result.target,
        errors: issues,
      },
    ),
  );
}
