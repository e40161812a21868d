/**
 * The transitions of a machine, as pure functions: a step's result applied to the record, a failure, a
 * transient timer failure and its retry, a simple repair. The engine decides which one happens; these only
 * compute the next record and the events to append.
 */
import assert from "node:assert/strict";
import { FULL_HISTORY } from "./history-range.js";
import type { Event, MachineRecord, RequestContext, Timer } from "./machine.js";
import { EMPTY_AUX_STATE, statusOf } from "./machine.js";
import type { StepResult, TimerAction } from "./processor-result.js";
import type { RetryPolicy } from "./retry-policy.js";
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
    // Any successful step ends a retry series; a still-armed timer then fires at its original time.
    retry: null,
    failure: null,
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
        ...(context === undefined ? {} : { context }),
      };
    }
  }
}

/** Marks the machine failed; its timer and retry stay as they were, so simple repair can restore them. */
export function failRecord(record: MachineRecord, reason: string, nowUs: number): MachineRecord {
  assert.notEqual(statusOf(record), "failed", "a failed machine cannot fail again");
  const previousStatus = statusOf(record) as Exclude<ReturnType<typeof statusOf>, "failed">;
  return { ...record, failure: { reason, previousStatus, failedAtUs: nowUs }, updatedAtUs: nowUs };
}

/** Simple repair: back to the status before the failure, timer and retry re-armed as they were. */
export function restoreRecord(record: MachineRecord, nowUs: number): MachineRecord {
  assert.ok(record.failure !== null, "only a failed machine can be restored");
  return { ...record, failure: null, updatedAtUs: nowUs };
}

/**
 * A timer step failed transiently: schedule its retry under the policy, or fail the machine when the
 * policy is exhausted.
 */
export function retryTimerStep(
  record: MachineRecord,
  options: { error: string; nowUs: number; policy: RetryPolicy; random: () => number },
): MachineRecord {
  const { error, nowUs } = options;
  const attempt = (record.retry?.attempt ?? 0) + 1;
  const firstFailedAtUs = record.retry?.firstFailedAtUs ?? nowUs;
  const elapsedMs = (nowUs - firstFailedAtUs) / MICROSECONDS_PER_MILLISECOND;
  const delayMs = nextRetryDelayMs(options.policy, { attempt, elapsedMs }, options.random);
  if (delayMs === null) {
    // The series ends with the failure: a simple repair re-arms the timer for a fresh series of retries.
    return failRecord(
      { ...record, retry: null },
      `timer retries exhausted after ${attempt} failures: ${error}`,
      nowUs,
    );
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
