/**
 * The transitions of a machine, as pure functions: a step's result applied to the record, a failure, a
 * transient timer failure and its retry, a simple repair. The engine decides which one happens; these only
 * compute the next record and the events to append.
 */
import assert from "node:assert/strict";
import { FULL_HISTORY } from "./history-range.js";
import type { Event, MachineRecord, RequestContext, Timer, WorkingStatus } from "./machine.js";
import { EMPTY_AUX_STATE, statusOf } from "./machine.js";
import type { StepResult, TimerAction } from "./processor-result.js";
import type { FailureHints, RetryPolicy } from "./retry-policy.js";
import { nextRetryDelayMs } from "./retry-policy.js";
import { MICROSECONDS_PER_MILLISECOND } from "./time.js";

/** The kind of step: what made it happen. */
export type StepKind = "init" | "call" | "repair" | "timer" | "notification";

export function newMachineRecord(namespace: string, id: string, nowUs: number): MachineRecord {
  return {
    namespace,
    id,
    auxState: EMPTY_AUX_STATE,
    lastEventId: 0,
    timer: null,
    retry: null,
    failure: null,
    pause: null,
    stepNumber: 0,
    createdAtUs: nowUs,
    updatedAtUs: nowUs,
  };
}

export interface AppliedStep {
  readonly record: MachineRecord;
  readonly events: readonly Event[];
}

/** Applies a validated result: appends its events, replaces the aux state, applies the timer action. */
export function applyStepResult(
  record: MachineRecord,
  result: StepResult,
  options: { kind: StepKind; nowUs: number; context?: RequestContext },
): AppliedStep {
  const { nowUs } = options;
  const events: Event[] = result.events.map((content, index) => ({
    id: record.lastEventId + index + 1,
    createdAtUs: nowUs,
    ...(content.formatVersion === undefined ? {} : { formatVersion: content.formatVersion }),
    data: content.data,
  }));
  // A timer is one-shot: the timeout step consumed it, whatever the processor now decides.
  const currentTimer = options.kind === "timer" ? null : record.timer;
  const next: MachineRecord = {
    ...record,
    auxState: result.auxState ?? record.auxState,
    lastEventId: record.lastEventId + events.length,
    timer: nextTimer(currentTimer, result.timer, nowUs, options.context),
    // Any successful step ends a retry series (a still-armed timer then fires at its original time), a failure
    // (a repair's) and a pause (a repair's too: nothing else runs on a paused machine).
    retry: null,
    failure: null,
    pause: null,
    updatedAtUs: nowUs,
  };
  return { record: next, events };
}

function nextTimer(
  current: Timer | null,
  action: TimerAction,
  nowUs: number,
  context?: RequestContext,
): Timer | null {
  switch (action.kind) {
    case "unchanged":
      return current;
    case "unset":
      return null;
    case "set": {
      const dueAtUs =
        action.deadlineUs ?? nowUs + Math.round((action.timeoutMs ?? 0) * MICROSECONDS_PER_MILLISECOND);
      return {
        dueAtUs,
        range: action.range ?? FULL_HISTORY,
        ...(action.processor === undefined ? {} : { processor: action.processor }),
        ...(action.step === undefined ? {} : { step: action.step }),
        ...(context === undefined ? {} : { context }),
      };
    }
  }
}

/** The status a machine has when it is neither failed nor paused: what simple repair and resume restore. */
export function workingStatusOf(record: MachineRecord): WorkingStatus {
  if (record.retry !== null) return "retrying";
  if (record.timer !== null) return "waiting";
  return "idle";
}

/**
 * Marks the machine failed; its timer and retry stay as they were, so simple repair can restore them. A paused
 * machine that fails (its repair broke the contract) is no longer paused: the failure is what waits now.
 */
export function failRecord(record: MachineRecord, reason: string, nowUs: number): MachineRecord {
  assert.notEqual(statusOf(record), "failed", "a failed machine cannot fail again");
  const previousStatus = workingStatusOf(record);
  return {
    ...record,
    pause: null,
    failure: { reason, previousStatus, failedAtUs: nowUs },
    updatedAtUs: nowUs,
  };
}

/** Simple repair: back to the status before the failure, timer and retry re-armed as they were. */
export function restoreRecord(record: MachineRecord, nowUs: number): MachineRecord {
  assert.ok(record.failure !== null, "only a failed machine can be restored");
  return { ...record, failure: null, updatedAtUs: nowUs };
}

/**
 * Pauses the machine: its pending step (the timer) stays, any retry series ends, and nothing runs until `resume`.
 * `by` names what paused it: an exhausted retry policy, or an operator.
 */
export function pauseRecord(
  record: MachineRecord,
  options: { reason: string; by: string; nowUs: number },
): MachineRecord {
  assert.equal(record.failure, null, "a failed machine is repaired, not paused");
  const { reason, by, nowUs } = options;
  return { ...record, retry: null, pause: { reason, by, pausedAtUs: nowUs }, updatedAtUs: nowUs };
}

/** Resumes a paused machine: its pending step runs again (at once, when its timer is due) with fresh retries. */
export function resumeRecord(record: MachineRecord, nowUs: number): MachineRecord {
  assert.ok(record.pause !== null, "only a paused machine is resumed");
  return { ...record, pause: null, updatedAtUs: nowUs };
}

/** The pending step now: a retrying machine's next try without its backoff, or a waiting machine's timer. */
export function retryNowRecord(record: MachineRecord, nowUs: number): MachineRecord {
  if (record.retry !== null)
    return { ...record, retry: { ...record.retry, dueAtUs: nowUs }, updatedAtUs: nowUs };
  assert.ok(record.timer !== null, "only a retrying or waiting machine has a step to run now");
  return { ...record, timer: { ...record.timer, dueAtUs: nowUs }, updatedAtUs: nowUs };
}

/**
 * A timer step failed transiently: schedule its retry under the policy, or, when the policy is exhausted (by
 * attempts, total time, or a non-retryable class), fail the machine or pause it, as the policy says.
 */
export function retryTimerStep(
  record: MachineRecord,
  options: {
    error: string;
    nowUs: number;
    policy: RetryPolicy;
    /** The policy's name, for a pause's `by`: `retries.timers`, `steps.<name>.retry`. */
    policyName: string;
    random: () => number;
    hints?: FailureHints;
  },
): MachineRecord {
  const { error, nowUs, policy } = options;
  const attempt = (record.retry?.attempt ?? 0) + 1;
  const firstFailedAtUs = record.retry?.firstFailedAtUs ?? nowUs;
  const elapsedMs = (nowUs - firstFailedAtUs) / MICROSECONDS_PER_MILLISECOND;
  const delayMs = nextRetryDelayMs(policy, { attempt, elapsedMs }, options.random, options.hints);
  if (delayMs === null) {
    const reason = `timer retries exhausted after ${attempt} failures: ${error}`;
    if (policy.onExhausted === "pause") {
      return pauseRecord(record, { reason, by: options.policyName, nowUs });
    }
    // The series ends with the failure: a simple repair re-arms the timer for a fresh series of retries.
    return failRecord({ ...record, retry: null }, reason, nowUs);
  }
  return {
    ...record,
    retry: {
      attempt,
      firstFailedAtUs,
      dueAtUs: nowUs + delayMs * MICROSECONDS_PER_MILLISECOND,
      lastError: error,
    },
    updatedAtUs: nowUs,
  };
}
