/**
 * What a processor's answer means for its step, as pure functions: what the step commits, why the machine fails,
 * or that the failure was transient; and when a transiently failed notification is delivered again.
 */
import { coerceError } from "../core/errors.js";
import type { Event, MachineRecord, Payload, RequestContext } from "../core/machine.js";
import type { Notification } from "../core/notification.js";
import { validateStepResult } from "../core/processor-result.js";
import type { FailureHints, RetryPolicy } from "../core/retry-policy.js";
import { nextRetryDelayMs } from "../core/retry-policy.js";
import type { StepKind } from "../core/step.js";
import { applyStepResult } from "../core/step.js";
import { MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import type { NotificationOutcome } from "../storage/machine-store.js";
import type { Namespace } from "./namespace.js";
import type { ProcessorOutcome } from "./processor-call.js";

const EMPTY_RESPONSE = new Uint8Array(0);

/** A processor's answer for its step: what to commit, why the machine fails, or a transient error. */
export type StepOutcome =
  | {
      readonly kind: "applied";
      readonly record: MachineRecord;
      readonly events: readonly Event[];
      readonly remove: boolean;
      readonly response: Payload;
    }
  /** The error is kept for the journal's error class (`processor_failed`, `processor_result_invalid`, …). */
  | { readonly kind: "failed"; readonly reason: string; readonly error: Error }
  | Extract<ProcessorOutcome, { kind: "transient" | "repair_failed" }>;

/** Validates a result against the namespace's contract and limits and applies it; a broken one fails the step. */
export function stepOutcomeOf(
  namespace: Namespace,
  record: MachineRecord,
  outcome: ProcessorOutcome,
  options: { kind: StepKind; nowUs: number; context?: RequestContext },
): StepOutcome {
  if (outcome.kind !== "result") {
    return outcome.kind === "fatal"
      ? { kind: "failed", reason: outcome.error.message, error: outcome.error }
      : outcome;
  }
  try {
    const result = validateStepResult(outcome.result, {
      limits: namespace.limits,
      processorNames: namespace.processorNames,
    });
    const applied = applyStepResult(record, result, options);
    return {
      kind: "applied",
      ...applied,
      remove: result.remove,
      response: result.response ?? EMPTY_RESPONSE,
    };
  } catch (error) {
    const invalid = coerceError(error);
    return { kind: "failed", reason: invalid.message, error: invalid };
  }
}

/** When a transiently failed notification is tried again, or null when the policy is exhausted. */
export function notificationRetryOf(
  notification: Notification,
  error: string,
  options: { policy: RetryPolicy; nowUs: number; random: () => number; hints?: FailureHints },
): NotificationOutcome | null {
  const { nowUs } = options;
  const attempt = notification.attempt + 1;
  const firstFailedAtUs = notification.firstFailedAtUs ?? nowUs;
  const elapsedMs = (nowUs - firstFailedAtUs) / MICROSECONDS_PER_MILLISECOND;
  const delayMs = nextRetryDelayMs(options.policy, { attempt, elapsedMs }, options.random, options.hints);
  if (delayMs === null) return null;
  const dueAtUs = nowUs + delayMs * MICROSECONDS_PER_MILLISECOND;
  return { kind: "retry", dueAtUs, attempt, firstFailedAtUs, lastError: error };
}
