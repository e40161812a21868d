/**
 * Idempotency keys: a client names a request with a key, and the step that serves it stores the key with its
 * outcome in the step's own transaction; a retry with the same key and the same request gets that outcome back
 * without a second step (IETF draft "The Idempotency-Key HTTP Header Field").
 */
import type { Payload } from "./machine.js";

/** The requests a key may name: the ones that run a step or store a notification. */
export type IdempotentOperation = "start" | "call" | "repair" | "notify";

/** What a keyed request ended with, as a retry is told it again. */
export type IdempotencyOutcome =
  | { readonly kind: "started" }
  | { readonly kind: "response"; readonly response: Payload }
  /** The step failed the machine with this reason (a call whose processor failed). */
  | { readonly kind: "failed"; readonly reason: string }
  | { readonly kind: "notified"; readonly notificationId: string };

/** A key as the caller gave it, with a hash of everything the request asked for. */
export interface IdempotencyRequest {
  readonly key: string;
  /** The same request (operation, machine, arguments, range) has the same hash; another request does not. */
  readonly requestHash: string;
}

/** A stored key: the request it named and the outcome its step committed. Keyed by (namespace, key). */
export interface IdempotencyRecord {
  readonly namespace: string;
  readonly key: string;
  readonly machineId: string;
  readonly operation: IdempotentOperation;
  readonly requestHash: string;
  readonly outcome: IdempotencyOutcome;
  readonly createdAtUs: number;
}
