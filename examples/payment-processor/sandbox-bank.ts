/**
 * A stand-in for a card acquirer, in the processor's own process: it authorizes an amount under the caller's
 * idempotency key and answers the same authorization again when the key repeats. Like a real network it loses
 * an answer now and then: here the first answer to every new key, after it has authorized, so the processor's
 * retried step shows why the key must be the same on every attempt.
 */
import { randomUUID } from "node:crypto";

export interface Authorization {
  readonly reference: string;
  readonly amount: number;
}

export class AnswerLostError extends Error {}

export class SandboxBank {
  readonly #authorizations = new Map<string, Authorization>();

  /** Authorizes once per key; throws AnswerLostError the first time a key is seen, having authorized. */
  authorize(request: { readonly idempotencyKey: string; readonly amount: number }): Authorization {
    const known = this.#authorizations.get(request.idempotencyKey);
    if (known !== undefined) return known;
    this.#authorizations.set(request.idempotencyKey, { reference: randomUUID(), amount: request.amount });
    throw new AnswerLostError("the bank's answer was lost on the way back");
  }

  /** How many authorizations the bank made for this amount: one per payment, however many attempts. */
  get authorizationCount(): number {
    return this.#authorizations.size;
  }
}
