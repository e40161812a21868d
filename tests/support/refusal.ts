/** Awaits a promise that must reject with exactly this class of error (not a subclass), and returns the error. */
import assert from "node:assert/strict";

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

export async function refusal<E extends Error>(promise: Promise<unknown>, kind: ErrorClass<E>): Promise<E> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    assert.ok(error instanceof kind, `expected ${kind.name}, got ${String(error)}`);
    assert.equal(error.constructor, kind, `expected exactly ${kind.name}, got ${error.constructor.name}`);
    return error;
  }
  assert.fail(`expected ${kind.name}, got an answer: ${JSON.stringify(outcome)}`);
}
