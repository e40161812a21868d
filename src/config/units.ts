/**
 * MG's value syntax, read the way `machinegun_configuration_utils` reads it: durations (`30s`, `10m`, `100mu`,
 * `infinity`), sizes in binary multiples (`512k`, `1M`) and `${ENV}` interpolation. Pure: no I/O.
 */

/** A parsed value, or why the text is not one. */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

const MICROSECONDS_PER_UNIT: Readonly<Record<string, number>> = {
  MU: 1,
  MS: 1_000,
  S: 1_000_000,
  M: 60 * 1_000_000,
  H: 60 * 60 * 1_000_000,
  D: 24 * 60 * 60 * 1_000_000,
  W: 7 * 24 * 60 * 60 * 1_000_000,
};

/** MG matches units without regard to case, so `1H` is an hour and `1M` a minute (never a month). */
const DURATION = /^(\d+)([A-Za-z]+)$/;

export const DURATION_FORMS = "a whole number and a unit: mu, ms, s, m (minutes), h, d or W, e.g. 30s";

/**
 * Microseconds in a duration, `Infinity` for the literal `infinity`. Like MG, a number needs a unit, a sign or a
 * fraction is an error, and surrounding spaces are allowed.
 */
export function parseDurationUs(text: string): Parsed<number> {
  const trimmed = text.trim();
  if (trimmed === "infinity") return { ok: true, value: Number.POSITIVE_INFINITY };
  if (trimmed.startsWith("-")) return { ok: false, reason: "must not be negative" };
  if (/^\d+$/.test(trimmed)) return { ok: false, reason: `needs a unit (${DURATION_FORMS})` };
  const match = DURATION.exec(trimmed);
  const multiplier = match === null ? undefined : MICROSECONDS_PER_UNIT[match[2]!.toUpperCase()];
  if (match === null || multiplier === undefined) return { ok: false, reason: `must be ${DURATION_FORMS}` };
  const value = Number(match[1]) * multiplier;
  if (!Number.isSafeInteger(value)) return { ok: false, reason: "is too long" };
  return { ok: true, value };
}

/**
 * Whole milliseconds in a duration, `Infinity` for `infinity`. Sub-millisecond parts are dropped, as MG's
 * `milliseconds/1` does (`1500mu` is 1 ms).
 */
export function parseDurationMs(text: string): Parsed<number> {
  const parsed = parseDurationUs(text);
  if (!parsed.ok || parsed.value === Number.POSITIVE_INFINITY) return parsed;
  return { ok: true, value: Math.floor(parsed.value / 1_000) };
}

const BYTES_PER_UNIT: Readonly<Record<string, number>> = {
  B: 1,
  K: 2 ** 10,
  M: 2 ** 20,
  G: 2 ** 30,
  T: 2 ** 40,
  P: 2 ** 50,
};

const SIZE = /^(\d+)([A-Za-z])$/;

export const SIZE_FORMS = "a whole number and a unit: b, k, M, G, T or P (powers of 1024), e.g. 1M";

/** Bytes in a size such as `512k`; MG's `mem_bytes/1`. The unit is required and matched without regard to case. */
export function parseSizeBytes(text: string): Parsed<number> {
  const trimmed = text.trim();
  if (trimmed.startsWith("-")) return { ok: false, reason: "must not be negative" };
  if (/^\d+$/.test(trimmed)) return { ok: false, reason: `needs a unit (${SIZE_FORMS})` };
  const match = SIZE.exec(trimmed);
  const multiplier = match === null ? undefined : BYTES_PER_UNIT[match[2]!.toUpperCase()];
  if (match === null || multiplier === undefined) return { ok: false, reason: `must be ${SIZE_FORMS}` };
  const value = Number(match[1]) * multiplier;
  if (!Number.isSafeInteger(value)) return { ok: false, reason: "is too large" };
  return { ok: true, value };
}

/** The result of interpolation: the new text, or the names of the variables that are not defined. */
export type Interpolated =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly missing: readonly string[] };

/** MG's pattern: `${` then one or more characters other than braces, then `}`. */
const REFERENCE = /\$\{([^{}]+)\}/g;

/**
 * Replaces every `${NAME}` with the variable's value. An undefined variable is an error; an empty one gives
 * an empty string, as in MG. Replaced text is not scanned again, so a value may contain `${` safely.
 */
export function interpolateEnv(text: string, lookup: (name: string) => string | undefined): Interpolated {
  const missing: string[] = [];
  const value = text.replace(REFERENCE, (reference, name: string) => {
    const found = lookup(name);
    if (found !== undefined) return found;
    if (!missing.includes(name)) missing.push(name);
    return reference;
  });
  return missing.length === 0 ? { ok: true, value } : { ok: false, missing };
}
