/**
 * RatchetClient's errors. Every refusal of the JSON API is an `application/problem+json` answer (RFC 9457) with a
 * stable `type`; each becomes a RatchetApiError, of the subclass a caller switches on where there is one. Like
 * Ratchet's own errors (core/errors.ts) each has a `code` (`machine_not_found`) and a `failureClass`: not
 * processed (send the same request again), result unknown (send it again only with its idempotency key, or read
 * the machine first), processed (sending it again changes nothing). A request that got no answer at all is a
 * NoAnswerError, classed the same way.
 */
import { type FailureClass, RatchetError } from "../core/errors.js";
import type { JsonValue } from "../mg/msgpack/natural-json.js";

/** Problem types are URNs: `urn:ratchet:problem:machine-not-found`. */
const PROBLEM_TYPE_PREFIX = "urn:ratchet:problem:";
/** RFC 9457's type of a problem that names none, and so of an answer that is no problem document at all. */
const UNTYPED_PROBLEM = "about:blank";
const FAILURE_CLASSES: readonly FailureClass[] = ["not_processed", "result_unknown", "processed"];

/** An RFC 9457 problem document as the JSON API answers it; the extensions name the limit, field or reason. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly [extension: string]: JsonValue | undefined;
}

/** A refusal of the JSON API: the problem's type, status, title and detail, and all of it in `problem`. */
export class RatchetApiError extends RatchetError {
  readonly code: string;
  override readonly failureClass: FailureClass;
  readonly type: string;
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly problem: ProblemDetails;

  constructor(problem: ProblemDetails) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`);
    this.problem = problem;
    this.type = problem.type;
    this.status = problem.status;
    this.title = problem.title;
    this.detail = problem.detail;
    this.code = textOf(problem, "code") ?? codeOfType(problem.type) ?? `http_${problem.status}`;
    this.failureClass = failureClassOf(problem);
  }
}

export class NamespaceNotFoundApiError extends RatchetApiError {
  readonly namespace = textOf(this.problem, "namespace");
}

/** A machine's own refusals name it. */
abstract class MachineApiError extends RatchetApiError {
  readonly namespace = textOf(this.problem, "namespace");
  readonly machineId = textOf(this.problem, "machine_id");
}

export class MachineNotFoundApiError extends MachineApiError {}

export class MachineAlreadyExistsApiError extends MachineApiError {}

/** The machine is failed (or became failed serving this request): repair it first. */
export class MachineFailedApiError extends MachineApiError {
  readonly reason = textOf(this.problem, "reason") ?? this.detail;
}

/** The machine is paused: it waits for an operator's resume, and refuses calls meanwhile. */
export class MachinePausedApiError extends MachineApiError {
  readonly reason = textOf(this.problem, "reason") ?? this.detail;
}

/** A repair or simple repair of a machine that is not failed. */
export class MachineAlreadyWorkingApiError extends MachineApiError {}

/** A resume of a machine that is not paused, or a retry-now of one that is not retrying. */
export class MachineNotPausedApiError extends MachineApiError {}

/** The processor refused the repair with a reason of its own (natural JSON); the machine stays failed. */
export class RepairFailedApiError extends RatchetApiError {
  readonly reason: JsonValue = this.problem.reason ?? null;
}

/** A request that does not validate, or malformed JSON: `field` names the first thing wrong, `errors` all. */
export class InvalidRequestApiError extends RatchetApiError {
  readonly field = textOf(this.problem, "field");
  readonly errors = issuesOf(this.problem.errors);
}

/** A limit exceeded (a page size, the body's bytes, an id's length): `limit` names it. */
export class LimitExceededApiError extends RatchetApiError {
  readonly limit = textOf(this.problem, "limit");
  readonly actual = numberOf(this.problem, "actual");
  readonly maximum = numberOf(this.problem, "maximum");
}

/** The idempotency key already names another request (machine, operation or body); nothing was done. */
export class IdempotencyKeyReusedApiError extends RatchetApiError {
  readonly idempotencyKey = textOf(this.problem, "idempotency_key");
}

/** The key's first request is still running: this one was not processed; send it again a moment later. */
export class IdempotencyKeyInFlightApiError extends RatchetApiError {}

/** 503: nothing was applied; send the same request again after `retryAfterMs` (from Retry-After). */
export class NotProcessedApiError extends RatchetApiError {
  readonly retryAfterMs: number | null;

  constructor(problem: ProblemDetails, retryAfterMs: number | null) {
    super(problem);
    this.retryAfterMs = retryAfterMs;
  }
}

/** 504: the step may have been applied; send it again only with its idempotency key, or read the machine first. */
export class ResultUnknownApiError extends RatchetApiError {}

/** Why a request got no answer. */
export type NoAnswerReason =
  /** The connection could not be made (refused, no such host): nothing reached the server. */
  | "connection_failed"
  /** The connection broke, or the answer was unreadable, after the request went out. */
  | "connection_lost"
  /** No answer within the client's `timeoutMs`. */
  | "timeout"
  /** The caller's AbortSignal aborted the request. */
  | "aborted";

/** A request that got no answer: not processed if nothing was sent, else result unknown. */
export class NoAnswerError extends RatchetError {
  readonly code = "no_answer";
  override readonly failureClass: FailureClass;

  constructor(
    readonly reason: NoAnswerReason,
    message: string,
    options: { readonly sent: boolean; readonly cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.failureClass = options.sent ? "result_unknown" : "not_processed";
  }
}

type ProblemClass = new (problem: ProblemDetails) => RatchetApiError;

/** The subclass of each problem type a caller switches on; the others are RatchetApiError itself. */
const BY_TYPE: Readonly<Record<string, ProblemClass>> = {
  "namespace-not-found": NamespaceNotFoundApiError,
  "machine-not-found": MachineNotFoundApiError,
  "machine-already-exists": MachineAlreadyExistsApiError,
  "machine-failed": MachineFailedApiError,
  "machine-paused": MachinePausedApiError,
  "machine-already-working": MachineAlreadyWorkingApiError,
  "machine-not-paused": MachineNotPausedApiError,
  "repair-failed": RepairFailedApiError,
  "invalid-request": InvalidRequestApiError,
  "malformed-json": InvalidRequestApiError,
  "limit-exceeded": LimitExceededApiError,
  "request-too-large": LimitExceededApiError,
  "idempotency-key-reused": IdempotencyKeyReusedApiError,
  "idempotency-key-in-flight": IdempotencyKeyInFlightApiError,
};

/** The error for a refusal: by its problem type, else by its status (every 503 and 504 has a class of its own). */
export function apiErrorOf(problem: ProblemDetails, retryAfterMs: number | null): RatchetApiError {
  const typed = problem.type.startsWith(PROBLEM_TYPE_PREFIX)
    ? BY_TYPE[problem.type.slice(PROBLEM_TYPE_PREFIX.length)]
    : undefined;
  if (typed !== undefined) return new typed(problem);
  if (problem.status === 503) return new NotProcessedApiError(problem, retryAfterMs);
  if (problem.status === 504) return new ResultUnknownApiError(problem);
  return new RatchetApiError(problem);
}

/**
 * The problem an answer carries: its own document when it is one, else one made of the status (a proxy's 502, a
 * server that is not Ratchet's), typed `about:blank` with the body's first characters as the detail.
 */
export function problemOfAnswer(status: number, statusText: string, body: string): ProblemDetails {
  const parsed = parseJson(body);
  if (isProblem(parsed)) return { ...parsed, status };
  const detail = body.trim().slice(0, DETAIL_CHARACTERS_MAX) || statusText;
  return { type: UNTYPED_PROBLEM, title: statusText || `HTTP ${status}`, status, detail };
}

/** A foreign error page is cut to this many characters: enough to recognise, never a whole HTML page. */
const DETAIL_CHARACTERS_MAX = 500;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // not JSON: problemOfAnswer describes the answer by its status instead
  }
}

function isProblem(value: unknown): value is ProblemDetails {
  if (typeof value !== "object" || value === null) return false;
  const fields = value as Record<string, unknown>;
  return (
    typeof fields.type === "string" && typeof fields.title === "string" && typeof fields.detail === "string"
  );
}

function textOf(problem: ProblemDetails, key: string): string | null {
  const value = problem[key];
  return typeof value === "string" ? value : null;
}

function numberOf(problem: ProblemDetails, key: string): number | null {
  const value = problem[key];
  return typeof value === "number" ? value : null;
}

function codeOfType(type: string): string | undefined {
  return type.startsWith(PROBLEM_TYPE_PREFIX)
    ? type.slice(PROBLEM_TYPE_PREFIX.length).replaceAll("-", "_")
    : undefined;
}

/** The problem's own class when it names one; else by status: 503 not processed, other 5xx unknown, 4xx processed. */
function failureClassOf(problem: ProblemDetails): FailureClass {
  const named = FAILURE_CLASSES.find((failureClass) => failureClass === problem.failure_class);
  if (named !== undefined) return named;
  if (problem.status === 503) return "not_processed";
  return problem.status >= 500 ? "result_unknown" : "processed";
}

function issuesOf(value: JsonValue | undefined): { readonly field: string; readonly message: string }[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((issue) =>
    typeof issue === "object" &&
    issue !== null &&
    !Array.isArray(issue) &&
    typeof issue.field === "string" &&
    typeof issue.message === "string"
      ? [{ field: issue.field, message: issue.message }]
      : [],
  );
}
