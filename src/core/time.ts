/**
 * Time values and their text forms. All instants are microseconds since the Unix epoch (µs), as JS numbers:
 * exact up to 2^53 µs, that is until the year 2255.
 */
import { InvalidRequestError } from "./errors.js";
import { wakeWaiters } from "./wake-signal.js";

export const MICROSECONDS_PER_MILLISECOND = 1000;
export const MICROSECONDS_PER_SECOND = 1_000_000;

/**
 * RFC 3339 UTC text with the trailing zero groups of the fraction dropped (6, 3 or 0 digits), the way MG
 * renders `created_at`.
 */
export function formatTimestampUs(instantUs: number): string {
  const milliseconds = Math.floor(instantUs / MICROSECONDS_PER_MILLISECOND);
  const micros = instantUs - milliseconds * MICROSECONDS_PER_MILLISECOND;
  const base = new Date(milliseconds).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const seconds = base.slice(0, 19);
  const millis = base.slice(20, 23);
  if (micros !== 0) return `${seconds}.${millis}${String(micros).padStart(3, "0")}Z`;
  if (millis !== "000") return `${seconds}.${millis}Z`;
  return `${seconds}Z`;
}

/** Whole-second RFC 3339 UTC text, MG's form of `Machine.timer`. */
export function formatTimestampSeconds(instantUs: number): string {
  return `${new Date(Math.floor(instantUs / MICROSECONDS_PER_SECOND) * 1000).toISOString().slice(0, 19)}Z`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses RFC 3339 text into µs. `requireUtc` enforces MG's rule for timer deadlines: the offset must be
 * `Z`, `+00:00` or `-00:00`.
 */
export function parseTimestampUs(text: string, field: string, options: { requireUtc: boolean }): number {
  const match = RFC3339.exec(text);
  if (match === null)
    throw new InvalidRequestError(`${field} ${JSON.stringify(text)} is not RFC 3339`, field);
  const [, year, month, day, hour, minute, second, fraction = "", offset = "Z"] = match;
  const isUtc = offset === "Z" || offset === "z" || offset === "+00:00" || offset === "-00:00";
  if (options.requireUtc && !isUtc) {
    throw new InvalidRequestError(`${field} ${JSON.stringify(text)} must be in UTC`, field);
  }
  const baseMs = utcMilliseconds({
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second),
  });
  if (baseMs === undefined)
    throw new InvalidRequestError(`${field} ${JSON.stringify(text)} is not a date`, field);
  let offsetMs = 0;
  if (!isUtc) {
    const sign = offset.startsWith("-") ? -1 : 1;
    offsetMs = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))) * 60_000;
  }
  const micros = Number(fraction.padEnd(6, "0").slice(0, 6));
  return (baseMs - offsetMs) * MICROSECONDS_PER_MILLISECOND + micros;
}

/**
 * Milliseconds of a UTC calendar date and time, or undefined when the fields name no instant (month 13,
 * 30 February, hour 24): Date.UTC would roll those over into another date, and would read years 0–99 as
 * 1900–1999. Second 60 is RFC 3339's leap second, read as the first of the next minute.
 */
function utcMilliseconds(fields: {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}): number | undefined {
  const { year, month, day, hour, minute, second } = fields;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.setUTCHours(hour, minute, second);
}

/** The engine's view of time: read it, and wait for an instant (cut short by the signal). */
export interface Clock {
  nowUs(): number;
  /** Resolves at `instantUs` or when `signal` aborts, whichever is first; never rejects. */
  waitUntil(instantUs: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `onTime` at `instantUs` unless the returned function is called first. Optional: the same as waitUntil
   * without an AbortController and its listeners, which cost more than the rest of a processor call's
   * bookkeeping on every step (alarmAt falls back to waitUntil).
   */
  alarm?(instantUs: number, onTime: () => void): () => void;
}

/** Calls `onTime` at `instantUs` unless the returned function is called first. */
export function alarmAt(clock: Clock, instantUs: number, onTime: () => void): () => void {
  if (clock.alarm !== undefined) return clock.alarm(instantUs, onTime);
  const cancel = new AbortController();
  void clock.waitUntil(instantUs, cancel.signal).then(() => {
    if (!cancel.signal.aborted) onTime();
  });
  return () => wakeWaiters(cancel);
}
