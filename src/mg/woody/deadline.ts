/**
 * The `woody.deadline` header: written `YYYY-MM-DDTHH:MM:SS.mmmZ` (always UTC, exactly three fraction digits),
 * read as any RFC 3339 time in UTC with millisecond resolution (machinegun-protocol.md §3.4).
 */
import { parseTimestampUs } from "../../core/time.js";

const MICROSECONDS_PER_MILLISECOND = 1000;

export function formatDeadline(deadlineUs: number): string {
  // Rounded down: a deadline sent a little early is safe, one sent late is not.
  return new Date(Math.floor(deadlineUs / MICROSECONDS_PER_MILLISECOND)).toISOString();
}

/** The deadline in µs, cut to whole milliseconds; throws InvalidRequestError when it is not RFC 3339 UTC. */
export function parseDeadline(text: string): number {
  const instantUs = parseTimestampUs(text, "woody.deadline", { requireUtc: true });
  return Math.floor(instantUs / MICROSECONDS_PER_MILLISECOND) * MICROSECONDS_PER_MILLISECOND;
}
