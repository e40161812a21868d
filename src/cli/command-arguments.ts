/**
 * What every CLI command shares: where it writes, the usage error, and readers of option values that refuse
 * anything but what they name (a `--limit 1e3` or `--after 5x` is a usage error, not a guess).
 */
import type { Environment } from "../config/config.js";

export interface CliIo {
  /** Results (stdout). */
  readonly write: (line: string) => void;
  /** Warnings and errors (stderr). */
  readonly warn: (line: string) => void;
  readonly env: Environment;
}

/** The command line is wrong: a missing or extra argument, a bad option value. Exit code 2. */
export class UsageError extends Error {
  readonly code = "usage";
  constructor(
    message: string,
    /**
     * The command's usage text, printed in full after the message (for a missing or unknown command); without
     * it the message is followed by a pointer to `ratchet help <command>`.
     */
    readonly usage?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

const WHOLE_NUMBER = /^-?\d{1,15}$/;

/** An option's value as a whole number within bounds; absent gives `fallback`. */
export function wholeNumberOption(
  value: string | undefined,
  flag: string,
  bounds: { min: number; max?: number; fallback?: number },
): number | undefined {
  if (value === undefined) return bounds.fallback;
  const number = WHOLE_NUMBER.test(value) ? Number(value) : Number.NaN;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(number) || number < bounds.min || number > max) {
    const range = bounds.max === undefined ? `≥ ${bounds.min}` : `in ${bounds.min}..${bounds.max}`;
    throw new UsageError(`${flag} must be a whole number ${range}; got ${JSON.stringify(value)}`);
  }
  return number;
}

/** Exactly the named positional arguments, in order. */
export function positionalArguments<const Names extends readonly string[]>(
  positionals: readonly string[],
  names: Names,
): { readonly [Key in keyof Names]: string } {
  if (positionals.length < names.length) {
    throw new UsageError(`missing ${names.slice(positionals.length).join(" and ")}`);
  }
  if (positionals.length > names.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[names.length])}`);
  }
  return positionals as unknown as { readonly [Key in keyof Names]: string };
}
