/** A call, and a repair through the processor: requests that run a step and return its response. */
import assert from "node:assert/strict";
import { MachineFailedError } from "../../core/errors.js";
import type { HistoryRange } from "../../core/history-range.js";
import type { IdempotencyOutcome, IdempotencyRequest } from "../../core/idempotency.js";
import type { Payload, RequestContext } from "../../core/machine.js";
import { invokeProcessor, outcomeOfStep, type StepRun } from "../step-run.js";
import { commitApplied, commitFailure } from "./commits.js";
import { keyStampOf, storedOutcomeOf } from "./idempotency.js";
import { requireFailedOrPaused, requireWorking } from "./preconditions.js";
import { contextOf } from "./start.js";

interface RangedWork {
  readonly args: Payload;
  readonly range: HistoryRange;
  readonly deadlineUs: number;
  readonly context?: RequestContext;
  readonly idempotency?: IdempotencyRequest;
}

/** A keyed request's first outcome, given again: its response, or the failure its step committed. */
function replay(run: StepRun, outcome: IdempotencyOutcome): Payload {
  if (outcome.kind === "failed") {
    throw new MachineFailedError(run.namespace.name, run.held.lease.machineId, outcome.reason);
  }
  assert.ok(outcome.kind === "response", "a call's or repair's key stores a response or a failure");
  return outcome.response;
}

/** A processor failure fails the machine, and so does a refused repair of a call (a call cannot refuse). */
export async function runCall(run: StepRun, work: RangedWork): Promise<Payload> {
  const stored = await storedOutcomeOf(run, work, "call");
  if (stored !== null) return replay(run, stored);
  const keyed = keyStampOf(run, work, "call");
  const record = requireWorking(run);
  const outcome = await invokeProcessor(run, {
    record,
    request: { kind: "call", args: work.args },
    range: work.range,
    deadlineUs: work.deadlineUs,
    ...contextOf(work),
  });
  const step = outcomeOfStep(run, record, outcome, { kind: "call", ...contextOf(work) });
  if (step.kind === "transient") throw step.error;
  if (step.kind === "applied") {
    const failure = await commitApplied(run, record, step, { keyed });
    if (failure === null) return step.response;
    throw new MachineFailedError(run.namespace.name, record.id, failure);
  }
  const reason = step.kind === "failed" ? step.reason : step.error.message;
  await commitFailure(run, record, reason, { keyed, cause: step.error });
  throw new MachineFailedError(run.namespace.name, record.id, reason);
}

/**
 * A broken repair leaves the machine failed with its original reason; the caller learns why. A paused machine may
 * be repaired too: its repair ends the pause.
 */
export async function runRepair(run: StepRun, work: RangedWork): Promise<Payload> {
  const stored = await storedOutcomeOf(run, work, "repair");
  if (stored !== null) return replay(run, stored);
  const record = requireFailedOrPaused(run);
  const outcome = await invokeProcessor(run, {
    record,
    request: { kind: "repair", args: work.args },
    range: work.range,
    deadlineUs: work.deadlineUs,
    ...contextOf(work),
  });
  const step = outcomeOfStep(run, record, outcome, { kind: "repair", ...contextOf(work) });
  if (step.kind === "transient" || step.kind === "repair_failed") throw step.error;
  if (step.kind === "failed") throw new MachineFailedError(run.namespace.name, record.id, step.reason);
  const failure = await commitApplied(run, record, step, { keyed: keyStampOf(run, work, "repair") });
  if (failure !== null) throw new MachineFailedError(run.namespace.name, record.id, failure);
  return step.response;
}
