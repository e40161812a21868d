/**
 * How the console writes values for people: instants (UTC, to the millisecond, the API's microseconds kept for
 * the tooltip), times relative to now, durations, counts that reached their cap, and the byte length of the
 * base64 that natural JSON carries bytes in. Pure functions, tested in Node.
 */

/** `2025-01-31 12:00:00.123Z` from the API's `2025-01-31T12:00:00.123456Z`. */
export function instantShort(instant: string): string {
  const match = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d(?:\.\d{1,3})?)\d*Z$/.exec(instant);
  return match === null ? instant : `${match[1]} ${match[2]}Z`;
}

/** "in 3.2 s", "5 min ago": an instant against now, both in ms since the epoch. */
export function relativeTo(instant: string, nowMs: number): string {
  const at = Date.parse(instant);
  if (Number.isNaN(at)) return "";
  const deltaMs = at - nowMs;
  const text = durationText(Math.abs(deltaMs));
  return deltaMs >= 0 ? `in ${text}` : `${text} ago`;
}

/** 0.4 ms, 12 ms, 3.2 s, 4 min, 2.5 h, 3 d. */
export function durationText(ms: number): string {
  if (ms < 1) return `${round(ms, 2)} ms`;
  if (ms < 1000) return `${round(ms, ms < 10 ? 1 : 0)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${round(seconds, seconds < 10 ? 1 : 0)} s`;
  const minutes = seconds / 60;
  if (minutes < 60) return `${round(minutes, minutes < 10 ? 1 : 0)} min`;
  const hours = minutes / 60;
  if (hours < 48) return `${round(hours, hours < 10 ? 1 : 0)} h`;
  return `${round(hours / 24, 0)} d`;
}

/** A status count as the API gives it: one at the cap means "at least". */
export function countText(count: number, cappedAt: number): string {
  return count >= cappedAt ? `≥ ${cappedAt.toLocaleString("en")}` : count.toLocaleString("en");
}

/** A share (0..1) as a percentage with one decimal, without a trailing ".0". */
export function percentText(share: number): string {
  return `${round(share * 100, 1)} %`;
}

/** The number of bytes a base64 text decodes to (padding and line breaks allowed). */
export function base64ByteLength(base64: string): number {
  const text = base64.replace(/[\s=]/g, "");
  return Math.floor((text.length * 3) / 4);
}

/** An ISO instant from a `datetime-local` input's value, read as UTC; undefined when empty or unreadable. */
export function instantOfLocalInput(value: string): string | undefined {
  if (value === "") return undefined;
  const at = Date.parse(`${value}Z`);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

/** A `datetime-local` input's value (UTC) from an ISO instant. */
export function localInputOfInstant(instant: string | undefined): string {
  if (instant === undefined) return "";
  const at = Date.parse(instant);
  return Number.isNaN(at) ? "" : new Date(at).toISOString().slice(0, 19);
}

function round(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}
