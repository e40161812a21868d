/**
 * Idempotency keys inside a step. Under the machine's lease (so no step of the machine runs meanwhile, on any
 * node), a keyed request first reads its key: a stored key of the same request is its outcome, given again
 * without running a step; a stored key of another request is refused. A new key is stored by the step's own
 * commit with the step's outcome, so a key exists exactly when its step committed.
 */
import { IdempotencyKeyReusedError } from "../../core/errors.js";
import type {
  IdempotencyOutcome,
  IdempotencyRecord,
  IdempotencyRequest,
  IdempotentOperation,
} from "../../core/idempotency.js";
import type { StepRun } from "../step-run.js";

/** The commit's idempotency record for an outcome; `{}` for a request without a key, to spread into a commit. */
export type KeyStamp = (outcome: IdempotencyOutcome) => { idempotency?: IdempotencyRecord };

/** The outcome stored for this request's key, or null when the key is new (or the request has none). */
export async function storedOutcomeOf(
  run: StepRun,
  work: { readonly idempotency?: IdempotencyRequest },
  operation: IdempotentOperation,
): Promise<IdempotencyOutcome | null> {
  const requested = work.idempotency;
  if (requested === undefined) return null;
  const namespace = run.namespace.name;
  const stored = await run.engine.storage.readIdempotencyKey(namespace, requested.key);
  if (stored === null) return null;
  const sameRequest =
    stored.requestHash === requested.requestHash &&
    stored.operation === operation &&
    stored.machineId === run.held.lease.machineId;
  if (!sameRequest) throw new IdempotencyKeyReusedError(namespace, requested.key);
  return stored.outcome;
}

/** Stamps the step's commit with the request's key; stamps nothing for a request without one. */
export function keyStampOf(
  run: StepRun,
  work: { readonly idempotency?: IdempotencyRequest },
  operation: IdempotentOperation,
): KeyStamp {
  const requested = work.idempotency;
  return (outcome) =>
    requested === undefined
      ? {}
      : {
          idempotency: {
            namespace: run.namespace.name,
            key: requested.key,
            machineId: run.held.lease.machineId,
            operation,
            requestHash: requested.requestHash,
            outcome,
            createdAtUs: run.engine.clock.nowUs(),
          },
        };
}
