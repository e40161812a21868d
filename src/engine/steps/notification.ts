/**
 * A notification step: a stored notification delivered to the processor as a signal. Delivered, it is deleted in
 * the step's commit; a transient failure reschedules it under the namespace's notification policy (honouring the
 * processor's Retry-After); a fatal one, or an exhausted policy, fails (or pauses) the machine and keeps the
 * notification, delivered again after the repair (or the resume).
 */
import { failureHintsOf } from "../../core/errors.js";
import type { Notification } from "../../core/notification.js";
import { failRecord, pauseRecord } from "../../core/step.js";
import { stepKeyOfNotification } from "../../core/step-key.js";
import { MICROSECONDS_PER_MILLISECOND } from "../../core/time.js";
import type { NotificationOutcome } from "../../storage/machine-store.js";
import { notificationRetryOf } from "../step-outcome.js";
import { invokeProcessor, outcomeOfStep, type StepRun } from "../step-run.js";
import { commitApplied, commitFailure } from "./commits.js";

export async function runNotification(run: StepRun, notification: Notification): Promise<void> {
  const record = run.machine.record;
  // Removed; or failed or paused: it waits for the repair or the resume.
  if (record === null || record.failure !== null || record.pause !== null) return;
  const nowUs = run.engine.clock.nowUs();
  const context = notification.context === undefined ? {} : { context: notification.context };
  const outcome = await invokeProcessor(run, {
    record,
    request: { kind: "notification", args: notification.args, notificationId: notification.id },
    range: notification.range,
    deadlineUs: nowUs + run.namespace.notificationProcessingTimeoutMs * MICROSECONDS_PER_MILLISECOND,
    ...context,
    attempt: { stepKey: stepKeyOfNotification(notification), number: notification.attempt + 1 },
  });
  const step = outcomeOfStep(run, record, outcome, { kind: "notification", ...context });
  const settled = (outcome: NotificationOutcome) => ({ id: notification.id, outcome });
  if (step.kind === "applied") {
    await commitApplied(run, record, step, { notification: settled({ kind: "delivered" }) });
    return;
  }
  if (step.kind !== "transient") {
    const reason = step.kind === "failed" ? step.reason : step.error.message;
    await commitFailure(run, record, reason, { cause: step.error });
    return;
  }
  const policy = run.namespace.notificationRetryPolicy;
  const journaled = { outcome: "transient_error", error: step.error } as const;
  const retry = notificationRetryOf(notification, step.error.message, {
    policy,
    nowUs: run.engine.clock.nowUs(),
    random: run.engine.random,
    hints: failureHintsOf(step.error),
  });
  if (retry !== null) {
    await run.commit({ kind: "update", record, events: [], notification: settled(retry) }, journaled);
    return;
  }
  // Exhausted: the machine fails (or pauses, as the policy says), and the notification is due again at once, for
  // delivery after the repair or the resume.
  const haltedAtUs = run.engine.clock.nowUs();
  const reason = `notification ${notification.id} retries exhausted: ${step.error.message}`;
  const reset: NotificationOutcome = {
    kind: "retry",
    dueAtUs: haltedAtUs,
    attempt: 0,
    firstFailedAtUs: haltedAtUs,
    lastError: reason,
  };
  const halted =
    policy.onExhausted === "pause"
      ? pauseRecord(record, { reason, by: "retries.notifications", nowUs: haltedAtUs })
      : failRecord(record, reason, haltedAtUs);
  const halting = halted.failure !== null ? "fatal_error" : "transient_error";
  await run.commit(
    { kind: "update", record: halted, events: [], notification: settled(reset) },
    { outcome: halting, error: step.error },
  );
}
