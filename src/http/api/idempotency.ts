/**
 * The Idempotency-Key header (IETF draft "The Idempotency-Key HTTP Header Field"): its value read and bounded,
 * the request's fingerprint, and the keys whose first request is still running on this node, answered 409. The
 * engine does the rest: under the machine's lease it answers a stored key with its outcome, so a retry that
 * reaches another node while the first runs waits for the machine and then gets the first outcome.
 */
import { createHash } from "node:crypto";
import { IdempotencyKeyInFlightError, InvalidRequestError, LimitExceededError } from "../../core/errors.js";
import type { IdempotencyRequest, IdempotentOperation } from "../../core/idempotency.js";
import { JSON_API_LIMITS } from "../../core/limits.js";

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** The key of an `Idempotency-Key` value (a structured-field string, quoted or not); undefined when absent. */
export function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  const key =
    trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
  if (key.length === 0 || !PRINTABLE_ASCII.test(key)) {
    throw new InvalidRequestError(
      "Idempotency-Key must be printable ASCII, 1 character or more",
      "Idempotency-Key",
    );
  }
  if (key.length > JSON_API_LIMITS.idempotencyKeyBytesMax) {
    throw new LimitExceededError("Idempotency-Key bytes", key.length, JSON_API_LIMITS.idempotencyKeyBytesMax);
  }
  return key;
}

/** The request's fingerprint: what it asks of which machine, with its body as stored (arguments' bytes). */
export function requestHashOf(request: {
  operation: IdempotentOperation;
  machineId: string;
  args: Uint8Array;
  range?: unknown;
}): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify([request.operation, request.machineId, request.range ?? null]));
  hash.update("\n");
  hash.update(request.args);
  return hash.digest("base64url");
}

/** Keys whose request runs on this node now. */
export class KeysInFlight {
  readonly #running = new Set<string>();

  /** Runs `work` with the key marked running; a second request with the key meanwhile is refused with 409. */
  async run<T>(namespace: string, key: IdempotencyRequest | undefined, work: () => Promise<T>): Promise<T> {
    if (key === undefined) return work();
    const marker = `${namespace}\u0000${key.key}`;
    if (this.#running.has(marker)) throw new IdempotencyKeyInFlightError(namespace, key.key);
    this.#running.add(marker);
    try {
      return await work();
    } finally {
      this.#running.delete(marker);
    }
  }
}
