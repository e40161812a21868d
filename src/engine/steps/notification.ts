/**
 * A notification step: a stored notification delivered to the processor as a signal. Delivered, it is deleted in
 * the step's commit; a transient failure reschedules it under the namespace's notification policy; a fatal one
 * fails the machine and keeps the notification, delivered again after repair.
 */
import type { Notification } from "../../core/notification.js";
import { failRecord } from "../../core/step.js";
import { stepKeyOfNotification } from "../../core/step-key.js";
import { MICROSECONDS_PER_MILLISECOND } from "../../core/time.js";
import type { NotificationOutcome } from "../../storage/machine-store.js";
import { notificationRetryOf } from "../step-outcome.js";
import { invokeProcessor, outcomeOfStep, type StepRun } from "../step-run.js";
import { commitApplied, commitFailure } from "./commits.js";

export async function runNotification(run: StepRun, notification: Notification): Promise<void> {
  const record = run.machine.record;
  if (record === null || record.failure !== null) return; // removed, or failed: it waits for repair
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
    await commitApplied(run, record, step, settled({ kind: "delivered" }));
    return;
  }
  if (step.kind !== "transient") {
    await commitFailure(run, record, step.kind === "failed" ? step.reason : step.error.message);
    return;
  }
  const retry = notificationRetryOf(notification, step.error.message, {
    policy: run.namespace.notificationRetryPolicy,
    nowUs: run.engine.clock.nowUs(),
    random: run.engine.random,
  });
  if (retry !== null) {
    await run.commit({ kind: "update", record, events: [], notification: settled(retry) });
    return;
  }
  // Exhausted: the machine fails, and the notification is due again at once, for delivery after the repair.
  const failedAtUs = run.engine.clock.nowUs();
  const reason = `notification ${notification.id} retries exhausted: ${step.error.message}`;
  const reset = {
    kind: "retry",
    dueAtUs: failedAtUs,
    attempt: 0,
    firstFailedAtUs: failedAtUs,
    lastError: reason,
  };
  await run.commit({
    kind: "update",
    record: failRecord(record, reason, failedAtUs),
    events: [],
    notification: settled(reset as NotificationOutcome),
  });
}
