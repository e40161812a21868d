/** What every route module of the JSON API gets: the engine, the operator queries, the keys in flight, time. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { IdempotencyRequest, IdempotentOperation } from "../../core/idempotency.js";
import type { EngineApi } from "../../engine/engine-api.js";
import type { OperatorQueries } from "../../storage/operator-queries.js";
import { idempotencyKeyOf, type KeysInFlight, requestHashOf } from "./idempotency.js";

export interface ApiContext {
  readonly engine: EngineApi;
  readonly queries: OperatorQueries;
  readonly inFlight: KeysInFlight;
  readonly nowUs: () => number;
}

export type ApiApp = OpenAPIHono;

/** The request's idempotency key with its fingerprint, or undefined when it names none. */
export function keyedRequestOf(
  header: string | undefined,
  request: { operation: IdempotentOperation; machineId: string; args: Uint8Array; range?: unknown },
): IdempotencyRequest | undefined {
  const key = idempotencyKeyOf(header);
  return key === undefined ? undefined : { key, requestHash: requestHashOf(request) };
}
