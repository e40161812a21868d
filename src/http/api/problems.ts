/**
 * The JSON API's one error table: every typed error (src/core/errors.ts), every refusal of the HTTP layer, and
 * anything unexpected, as an `application/problem+json` answer (RFC 9457) with a stable `type` per error. The
 * status follows the error's failure class (DESIGN invariant 9): not processed 503 with Retry-After, result
 * unknown 504, processed 4xx. Unexpected errors are 500 and reported.
 */
import { HTTPException } from "hono/http-exception";
import {
  BulkRunNotFoundError,
  type FailureClass,
  IdempotencyKeyReusedError,
  InvalidRequestError,
  LimitExceededError,
  MachineAlreadyExistsError,
  MachineAlreadyWorkingError,
  MachineFailedError,
  MachineNotFoundError,
  MachineNotPausedError,
  MachinePausedError,
  NamespaceNotFoundError,
  RatchetError,
  RepairFailedError,
} from "../../core/errors.js";
import { JSON_API_LIMITS } from "../../core/limits.js";
import { payloadJson } from "./payloads.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Types are URNs: stable names a client can switch on, not pages to fetch. */
export const PROBLEM_TYPE_PREFIX = "urn:ratchet:problem:";

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly [extension: string]: unknown;
}

/** Status and title of each typed error the API answers, by its code. */
const BY_CODE: Readonly<Record<string, { status: number; title: string }>> = {
  namespace_not_found: { status: 404, title: "Namespace not found" },
  machine_not_found: { status: 404, title: "Machine not found" },
  bulk_not_found: { status: 404, title: "Bulk run not found" },
  notification_not_found: { status: 404, title: "Notification not found" },
  machine_already_exists: { status: 409, title: "Machine already exists" },
  // A failed machine is a state the request conflicts with (repair it first), not a malformed request.
  machine_failed: { status: 409, title: "Machine failed" },
  machine_already_working: { status: 409, title: "Machine is not failed" },
  // Paused: the machine waits for an operator's resume; the request conflicts with that state.
  machine_paused: { status: 409, title: "Machine paused" },
  machine_not_paused: { status: 409, title: "Machine is not paused (or has no pending step)" },
  idempotency_key_in_flight: { status: 409, title: "A request with this idempotency key is running" },
  repair_failed: { status: 422, title: "Repair refused by the processor" },
  idempotency_key_reused: { status: 422, title: "Idempotency key names another request" },
  invalid_request: { status: 400, title: "Invalid request" },
  limit_exceeded: { status: 422, title: "Limit exceeded" },
};

/** The answer of each failure class for errors without an entry of their own. */
const BY_CLASS: Readonly<Record<FailureClass, { status: number; title: string }>> = {
  not_processed: { status: 503, title: "Not processed: retry" },
  result_unknown: { status: 504, title: "Result unknown: read the machine before retrying" },
  processed: { status: 500, title: "Processed with an unexpected error" },
};

/** HTTP-layer refusals (Hono's HTTPException) by status. */
const HTTP_REFUSALS: Readonly<Record<number, { code: string; title: string }>> = {
  400: { code: "malformed_json", title: "Malformed JSON" },
  404: { code: "not_found", title: "Not found" },
  405: { code: "method_not_allowed", title: "Method not allowed" },
  413: { code: "request_too_large", title: "Request body too large" },
  415: { code: "unsupported_media_type", title: "Unsupported media type: send application/json" },
};

export function problemType(code: string): string {
  return `${PROBLEM_TYPE_PREFIX}${code.replaceAll("_", "-")}`;
}

export function problem(code: string, status: number, title: string, detail: string, extra = {}): Problem {
  return { type: problemType(code), title, status, detail, ...extra };
}

/** The problem for anything a handler threw; `unexpected` is true for a 500 nobody planned for. */
export function problemOf(error: unknown): { problem: Problem; unexpected: boolean } {
  if (error instanceof RatchetError) {
    const answer = BY_CODE[error.code] ?? BY_CLASS[error.failureClass];
    const unexpected = answer.status === 500;
    const code = unexpected ? "internal_error" : error.code;
    return {
      problem: problem(code, answer.status, answer.title, error.message, {
        code: error.code,
        failure_class: error.failureClass,
        ...extensionsOf(error),
      }),
      unexpected,
    };
  }
  if (error instanceof HTTPException) {
    const refusal = HTTP_REFUSALS[error.status] ?? { code: "http_error", title: "Request refused" };
    return { problem: problem(refusal.code, error.status, refusal.title, error.message), unexpected: false };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { problem: problem("internal_error", 500, "Internal error", message), unexpected: true };
}

/** What a client needs besides the message, per error. */
function extensionsOf(error: RatchetError): Record<string, unknown> {
  if (error instanceof LimitExceededError) {
    return { limit: error.limit, actual: error.actual, maximum: error.maximum };
  }
  if (error instanceof InvalidRequestError) return { field: error.field };
  if (error instanceof NamespaceNotFoundError) return { namespace: error.namespace };
  if (error instanceof MachineFailedError || error instanceof MachinePausedError) {
    return { namespace: error.namespace, machine_id: error.machineId, reason: error.reason };
  }
  if (
    error instanceof MachineNotFoundError ||
    error instanceof MachineAlreadyExistsError ||
    error instanceof MachineAlreadyWorkingError ||
    error instanceof MachineNotPausedError
  ) {
    return { namespace: error.namespace, machine_id: error.machineId };
  }
  if (error instanceof RepairFailedError) return { reason: payloadJson(error.reason) };
  if (error instanceof IdempotencyKeyReusedError) return { idempotency_key: error.key };
  if (error instanceof BulkRunNotFoundError) return { run_id: error.runId };
  return {};
}

export function problemResponse(answer: Problem): Response {
  const headers: Record<string, string> = { "content-type": PROBLEM_CONTENT_TYPE };
  if (answer.status === 503) headers["retry-after"] = String(JSON_API_LIMITS.retryAfterSeconds);
  return new Response(JSON.stringify(answer), { status: answer.status, headers });
}

/** The refusals of access control, by code: no token or a bad one, a role short of the rule, over the rate. */
export const ACCESS_PROBLEMS: Readonly<Record<string, number>> = {
  unauthenticated: 401,
  forbidden: 403,
  access_not_configured: 403,
  rate_limited: 429,
};

/** Every problem type the API may answer with, and its status: the documented set (docs and tests use it). */
export const PROBLEM_TYPES: Readonly<Record<string, number>> = Object.fromEntries([
  ...Object.entries(BY_CODE).map(([code, { status }]) => [problemType(code), status]),
  ...Object.values(HTTP_REFUSALS).map(({ code }, index) => [
    problemType(code),
    Number(Object.keys(HTTP_REFUSALS)[index]),
  ]),
  ...[
    "processor_unavailable",
    "storage_unavailable",
    "storage_rejected",
    "lease_lost",
    "overloaded",
    "shutting_down",
  ].map((code) => [problemType(code), 503]),
  // Access control's refusals (src/http/access/access-control.ts).
  ...Object.entries(ACCESS_PROBLEMS).map(([code, status]) => [problemType(code), status]),
  ...["storage_result_unknown", "deadline_exceeded", "processor_timeout"].map((code) => [
    problemType(code),
    504,
  ]),
]);
