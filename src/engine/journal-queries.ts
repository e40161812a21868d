/** Checks of the journal's queries and an operator's pause: bad input is refused with a typed error. */
import { InvalidRequestError } from "../core/errors.js";
import { MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import type { FlowQuery, StepsQuery } from "./engine-api.js";

export const STEPS_PAGE_DEFAULT = 100;
export const STEPS_PAGE_MAX = 1000;
/** Journal entries one flow folds; a window with more is folded from its first ones and marked truncated. */
export const FLOW_ENTRIES_MAX = 200_000;
const FLOW_WINDOW_DEFAULT_US = 60 * 60 * 1000 * MICROSECONDS_PER_MILLISECOND;
const PAUSE_REASON_MAX = 1000;

export function validateStepsQuery(query: StepsQuery): {
  after: number;
  limit: number;
  direction: "forward" | "backward";
} {
  const direction = query.direction ?? "forward";
  if (direction !== "forward" && direction !== "backward") {
    throw new InvalidRequestError(
      `direction must be forward or backward, not ${String(direction)}`,
      "direction",
    );
  }
  const limit = query.limit ?? STEPS_PAGE_DEFAULT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > STEPS_PAGE_MAX) {
    throw new InvalidRequestError(
      `limit must be an integer from 1 to ${STEPS_PAGE_MAX}, not ${limit}`,
      "limit",
    );
  }
  const after = query.after ?? (direction === "forward" ? 0 : Number.MAX_SAFE_INTEGER);
  if (!Number.isSafeInteger(after) || after < 0) {
    throw new InvalidRequestError(`after must be a step number (an integer ≥ 0), not ${after}`, "after");
  }
  return { after, limit, direction };
}

export function validateFlowQuery(query: FlowQuery, nowUs: number): { sinceUs: number; untilUs: number } {
  const untilUs = query.untilUs ?? nowUs;
  const sinceUs = query.sinceUs ?? untilUs - FLOW_WINDOW_DEFAULT_US;
  for (const [field, value] of [
    ["untilUs", untilUs],
    ["sinceUs", sinceUs],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InvalidRequestError(
        `${field} must be an instant in µs (an integer ≥ 0), not ${value}`,
        field,
      );
    }
  }
  if (sinceUs >= untilUs) {
    throw new InvalidRequestError(
      `the window's start (${sinceUs}) must come before its end (${untilUs})`,
      "sinceUs",
    );
  }
  return { sinceUs, untilUs };
}

export function validatePauseReason(reason: string): string {
  if (typeof reason !== "string" || reason.trim() === "") {
    throw new InvalidRequestError("a pause needs a reason (a non-empty string)", "reason");
  }
  if (reason.length > PAUSE_REASON_MAX) {
    throw new InvalidRequestError(`a pause's reason is at most ${PAUSE_REASON_MAX} characters`, "reason");
  }
  return reason;
}
