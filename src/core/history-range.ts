/**
 * The HistoryRange algebra: which events of a machine a request wants, as in MG.
 * `after` is exclusive and counts in the chosen direction; `limit` caps the count; absent means unbounded.
 */
import { InvalidRequestError } from "./errors.js";
import type { Event, MachineRecord } from "./machine.js";

export type Direction = "forward" | "backward";

export interface HistoryRange {
  /** Only events after this id in the direction of travel; absent starts at the first (or last) event. */
  readonly after?: number;
  /** At most this many events, ≥ 0; absent means all of them. */
  readonly limit?: number;
  readonly direction: Direction;
}

export const FULL_HISTORY: HistoryRange = Object.freeze({ direction: "forward" });

/** A contiguous run of event ids, walked from `from` to `to` (inclusive) in `direction`. */
export interface EventSpan {
  readonly from: number;
  readonly to: number;
  readonly direction: Direction;
  readonly count: number;
}

/** Checks a range that came from outside; a bad one gets a typed error. */
export function validateHistoryRange(range: {
  after?: number | undefined;
  limit?: number | undefined;
  direction?: string | undefined;
}): HistoryRange {
  const direction = range.direction ?? "forward";
  if (direction !== "forward" && direction !== "backward") {
    throw new InvalidRequestError(
      `history range direction ${JSON.stringify(direction)} is unknown`,
      "range.direction",
    );
  }
  if (range.limit !== undefined && (!Number.isSafeInteger(range.limit) || range.limit < 0)) {
    throw new InvalidRequestError(
      `history range limit ${range.limit} must be a whole number ≥ 0`,
      "range.limit",
    );
  }
  if (range.after !== undefined && !Number.isSafeInteger(range.after)) {
    throw new InvalidRequestError(`history range after ${range.after} must be a whole number`, "range.after");
  }
  const result: { after?: number; limit?: number; direction: Direction } = { direction };
  if (range.after !== undefined) result.after = range.after;
  if (range.limit !== undefined) result.limit = range.limit;
  return result;
}

/**
 * Intersects a range with the ids a machine has, `first..last` (first = 1 for every live machine;
 * last = 0 means no events). Returns null when nothing is selected.
 */
export function selectEventSpan(range: HistoryRange, first: number, last: number): EventSpan | null {
  if (last < first) return null;
  if (range.direction === "forward") {
    const from = range.after === undefined ? first : Math.max(first, range.after + 1);
    const to = range.limit === undefined ? last : Math.min(last, from + range.limit - 1);
    return from <= to ? { from, to, direction: "forward", count: to - from + 1 } : null;
  }
  const from = range.after === undefined ? last : Math.min(last, range.after - 1);
  const to = range.limit === undefined ? first : Math.max(first, from - range.limit + 1);
  return from >= to ? { from, to, direction: "backward", count: from - to + 1 } : null;
}

/** The ids of a span in the order of travel (for tests and small slices). */
export function spanIds(span: EventSpan | null): number[] {
  if (span === null) return [];
  const step = span.direction === "forward" ? 1 : -1;
  return Array.from({ length: span.count }, (_, index) => span.from + index * step);
}

/**
 * The event id to page from (`after`) for the next page of a history read with `range`, or null when the page
 * reaches the end of the history in its direction.
 */
export function nextAfterOf(
  record: MachineRecord,
  events: readonly Event[],
  range: HistoryRange,
): number | null {
  const last = events.at(-1);
  if (last === undefined || range.limit === undefined || events.length < range.limit) return null;
  const atEnd = range.direction === "forward" ? last.id >= record.lastEventId : last.id <= 1;
  return atEnd ? null : last.id;
}
