/**
 * Time values and their text forms. All instants are microseconds since the Unix epoch (µs), as JS numbers:
 * exact up to 2^53 µs, that is until the year 2255.
 */
import { InvalidRequestError } from "./errors.js";

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
  const baseMs = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  if (Number.isNaN(baseMs))
    throw new InvalidRequestError(`${field} ${JSON.stringify(text)} is not a date`, field);
  let offsetMs = 0;
  if (!isUtc) {
    const sign = offset.startsWith("-") ? -1 : 1;
    offsetMs = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))) * 60_000;
  }
  const micros = Number(fraction.padEnd(6, "0").slice(0, 6));
  return (baseMs - offsetMs) * MICROSECONDS_PER_MILLISECOND + micros;
}

/** The engine's view of time: read it, and wait for an instant (cut short by the signal). */
export interface Clock {
  nowUs(): number;
  /** Resolves at `instantUs` or when `signal` aborts, whichever is first; never rejects. */
  waitUntil(instantUs: number, signal?: AbortSignal): Promise<void>;
}
