/**
 * What a fuzz target is: a named arbitrary of inputs and the check of one input. A check throws when the outcome
 * breaks the property (an untyped error, a wrong value, a refused valid input); it returns when the input ended
 * in a typed error or a valid value. The runner (run-target.ts) adds the watch for hangs and memory.
 */
import type fc from "fast-check";

/** The check of one input, with whatever it needs opened (a server) and how to close it. */
export type FuzzSession<Input> =
  | {
      readonly kind: "sync";
      readonly check: (input: Input) => void;
      readonly close?: () => Promise<void>;
    }
  | {
      readonly kind: "async";
      readonly check: (input: Input) => Promise<void>;
      readonly close?: () => Promise<void>;
    };

export interface FuzzTarget<Input = unknown> {
  /** Kebab-case; `npm run fuzz -- --target NAME`. */
  readonly name: string;
  /** One line: what is decoded and what the property is. */
  readonly description: string;
  /** Cases `npm test` runs; `npm run fuzz` runs many more. */
  readonly testCases: number;
  readonly arbitrary: fc.Arbitrary<Input>;
  open(): Promise<FuzzSession<Input>>;
}

/** A property violation, thrown by checks so fast-check reports and shrinks the input. */
export class PropertyViolation extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PropertyViolation";
  }
}

export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown };

export function outcomeOf<T>(run: () => T): Outcome<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Refuses any error that is not one of the typed classes the decoder is allowed to raise. */
export function requireTyped(
  error: unknown,
  allowed: readonly (abstract new (...args: never[]) => Error)[],
  what: string,
): void {
  if (allowed.some((kind) => error instanceof kind)) return;
  const name = error instanceof Error ? error.constructor.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  throw new PropertyViolation(`${what} raised an untyped ${name}: ${message}`, { cause: error });
}

export function violation(message: string): never {
  throw new PropertyViolation(message);
}

/** Erases a target's input type, so targets of different inputs share one registry. */
export function defineTarget<Input>(target: FuzzTarget<Input>): FuzzTarget {
  return target as unknown as FuzzTarget;
}
