/**
 * Zod schemas for the scalar values of the configuration: durations and sizes in MG's syntax, whole numbers,
 * URLs, ports and addresses. Each reports a short reason that names the expected form and the value it got.
 */
import { isIP } from "node:net";
import { z } from "zod";
import { DURATION_FORMS, parseDurationMs, parseSizeBytes, SIZE_FORMS } from "./units.js";

/** Records a problem on the value being parsed; the parse goes on, so every problem is reported. */
export function reject<T>(context: z.core.$RefinementCtx<T>, message: string): never {
  context.addIssue({ code: "custom", message });
  return z.NEVER as never;
}

/** The value as an operator wrote it, for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object" && value !== null) return "a mapping";
  return JSON.stringify(value);
}

/**
 * A duration with a unit, in whole milliseconds. `infinity` is accepted only where the option says so and
 * comes out as `Infinity`; a plain number is refused because MG refuses it and its unit would be a guess.
 */
export function durationMs(options: { infinity?: boolean; positive?: boolean } = {}) {
  return z.unknown().transform((input, context): number => {
    if (input === undefined) return reject(context, "is required");
    if (typeof input === "number") return reject(context, `needs a unit (${DURATION_FORMS}); got ${input}`);
    if (typeof input !== "string") return reject(context, `must be a duration, ${DURATION_FORMS}`);
    const parsed = parseDurationMs(input);
    if (!parsed.ok) return reject(context, `${parsed.reason}; got ${describeValue(input)}`);
    if (parsed.value === Number.POSITIVE_INFINITY && options.infinity !== true) {
      return reject(context, "must be a finite duration here, not infinity");
    }
    if (options.positive === true && parsed.value <= 0) return reject(context, "must be longer than 0ms");
    return parsed.value;
  });
}

/** A size: a YAML integer counts bytes; text needs a unit (`512k`, `1M`), as in MG. */
export function sizeBytes() {
  return z.unknown().transform((input, context): number => {
    if (input === undefined) return reject(context, "is required");
    if (typeof input === "number") {
      if (Number.isSafeInteger(input) && input >= 0) return input;
      return reject(context, `must be a whole number of bytes ≥ 0 or ${SIZE_FORMS}; got ${input}`);
    }
    if (typeof input !== "string") return reject(context, `must be a size, ${SIZE_FORMS}`);
    const parsed = parseSizeBytes(input);
    if (!parsed.ok) return reject(context, `${parsed.reason}; got ${describeValue(input)}`);
    return parsed.value;
  });
}

/** Text of decimal digits is read as a number too, so `port: ${PORT}` works after interpolation. */
function toNumber(input: unknown): number | undefined {
  if (typeof input === "number") return input;
  if (typeof input === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(input)) return Number(input);
  return undefined;
}

function rangeText(bounds: { min: number; max?: number }): string {
  return bounds.max === undefined ? `≥ ${bounds.min}` : `in ${bounds.min}..${bounds.max}`;
}

/** A whole number within the bounds. */
export function integer(bounds: { min: number; max?: number }) {
  return z.unknown().transform((input, context): number => {
    if (input === undefined) return reject(context, "is required");
    const value = toNumber(input);
    const { min, max = Number.MAX_SAFE_INTEGER } = bounds;
    if (value === undefined || !Number.isSafeInteger(value) || value < min || value > max) {
      return reject(context, `must be a whole number ${rangeText(bounds)}; got ${describeValue(input)}`);
    }
    return value;
  });
}

/** Any finite number within the bounds. */
export function number(bounds: { min: number; max?: number }) {
  return z.unknown().transform((input, context): number => {
    if (input === undefined) return reject(context, "is required");
    const value = toNumber(input);
    const { min, max = Number.POSITIVE_INFINITY } = bounds;
    if (value === undefined || !Number.isFinite(value) || value < min || value > max) {
      return reject(context, `must be a number ${rangeText(bounds)}; got ${describeValue(input)}`);
    }
    return value;
  });
}

/** `true` or `false`; YAML 1.2 reads only those two words as booleans, so `yes` and `on` are refused. */
export function flag() {
  return z.unknown().transform((input, context): boolean => {
    if (input === undefined) return reject(context, "is required");
    if (typeof input === "boolean") return input;
    return reject(context, `must be true or false; got ${describeValue(input)}`);
  });
}

/** Non-empty text. */
export function text() {
  return z.unknown().transform((input, context): string => {
    if (input === undefined) return reject(context, "is required");
    if (typeof input !== "string" || input.trim() === "") {
      return reject(context, `must be non-empty text; got ${describeValue(input)}`);
    }
    return input;
  });
}

/** An absolute URL whose scheme is one of `protocols` (without the colon). */
export function url(protocols: readonly string[]) {
  return text().transform((input, context): string => {
    const schemes = protocols.map((protocol) => `${protocol}://`).join(" or ");
    if (!URL.canParse(input))
      return reject(context, `must be a URL (${schemes}); got ${describeValue(input)}`);
    const { protocol } = new URL(input);
    if (!protocols.includes(protocol.slice(0, -1))) {
      return reject(context, `must be a ${schemes} URL; got ${describeValue(input)}`);
    }
    return input;
  });
}

/** A TCP port; 0 asks the system for a free one, which tests use. */
export function port() {
  return integer({ min: 0, max: 65_535 });
}

/** An IPv4 or IPv6 address to listen on. */
export function ipAddress() {
  return text().transform((input, context): string => {
    if (isIP(input) === 0)
      return reject(context, `must be an IPv4 or IPv6 address; got ${describeValue(input)}`);
    return input;
  });
}

/** A PostgreSQL identifier that needs no quoting, so SQL can embed it after this one check (STYLE rule 9). */
export function sqlIdentifier() {
  return text().transform((input, context): string => {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(input)) {
      return reject(
        context,
        `must be a lower-case SQL identifier (a-z, 0-9, _; at most 63); got ${describeValue(input)}`,
      );
    }
    return input;
  });
}

/** One of the listed words. */
export function oneOf<const Words extends readonly [string, ...string[]]>(words: Words) {
  return z.unknown().transform((input, context): Words[number] => {
    if (input === undefined) return reject(context, "is required");
    if (typeof input === "string" && (words as readonly string[]).includes(input)) return input;
    return reject(context, `must be one of ${words.join(", ")}; got ${describeValue(input)}`);
  });
}

/** MG's switch for a scheduler: the word `disabled` (null), or its settings. */
export function disabledOr<Schema extends z.ZodType>(settings: Schema) {
  return z.union([z.literal("disabled").transform(() => null), settings]);
}
