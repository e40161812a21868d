/**
 * A timer step: the due timer (or the retry of a timer step) runs, under its named step's processor, deadline and
 * retry policy when it has them, and its outcome is committed. A transient failure schedules the retry under that
 * policy (honouring the processor's Retry-After), or, once the policy is exhausted, fails or pauses the machine.
 */
import assert from "node:assert/strict";
import { failureHintsOf } from "../../core/errors.js";
import { dueAtUsOf } from "../../core/machine.js";
import { retryTimerStep } from "../../core/step.js";
import { stepKeyOfTimer } from "../../core/step-key.js";
import { MICROSECONDS_PER_MILLISECOND } from "../../core/time.js";
import { timerRetryPolicyOf, timerTimeoutMsOf } from "../namespace.js";
import { invokeProcessor, outcomeOfStep, type StepRun } from "../step-run.js";
import { commitApplied, commitFailure } from "./commits.js";

export async function runTimer(run: StepRun): Promise<void> {
  const record = run.machine.record;
  const nowUs = run.engine.clock.nowUs();
  const dueAtUs = record === null ? null : dueAtUsOf(record);
  if (record === null || dueAtUs === null || dueAtUs > nowUs) return; // stale: the timer changed meanwhile
  const timer = record.timer;
  assert.ok(timer !== null, "a due machine that is not failed has a timer");
  const context = timer.context === undefined ? {} : { context: timer.context };
  const timeoutMs = timerTimeoutMsOf(run.namespace, run.attempt.name);
  const outcome = await invokeProcessor(run, {
    record,
    request: { kind: "timer" },
    range: timer.range,
    deadlineUs: nowUs + timeoutMs * MICROSECONDS_PER_MILLISECOND,
    ...context,
    ...(timer.processor === undefined ? {} : { timerRoute: timer.processor }),
    attempt: { stepKey: stepKeyOfTimer(record, timer), number: (record.retry?.attempt ?? 0) + 1 },
  });
  const step = outcomeOfStep(run, record, outcome, { kind: "timer", ...context });
  if (step.kind === "applied") {
    await commitApplied(run, record, step);
  } else if (step.kind === "transient") {
    const { policy, name } = timerRetryPolicyOf(run.namespace, run.attempt.name);
    const next = retryTimerStep(record, {
      error: step.error.message,
      nowUs: run.engine.clock.nowUs(),
      policy,
      policyName: name,
      random: run.engine.random,
      hints: failureHintsOf(step.error),
    });
    // Retries that ran out into a failure are the step's fatal end, as the flow counts it; a pause is not.
    const outcome = next.failure !== null ? "fatal_error" : "transient_error";
    await run.commit({ kind: "update", record: next, events: [] }, { outcome, error: step.error });
  } else {
    const reason = step.kind === "failed" ? step.reason : step.error.message;
    await commitFailure(run, record, reason, { cause: step.error });
  }
}
