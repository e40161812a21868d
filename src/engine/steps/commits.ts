/**
 * The commits most steps end with: a processor's result applied (checked against a strict declared flow), or the
 * machine failed with a reason. Each says how the journal records the step.
 */
import { StorageRejectedError } from "../../core/errors.js";
import type { Event, MachineRecord } from "../../core/machine.js";
import { failRecord } from "../../core/step.js";
import type { StepCommit } from "../../storage/machine-store.js";
import { transitionAllowed } from "../namespace.js";
import type { StepRun } from "../step-run.js";

export async function commitFailure(
  run: StepRun,
  record: MachineRecord,
  reason: string,
  cause?: Error,
): Promise<void> {
  await run.commit(
    { kind: "update", record: failRecord(record, reason, run.engine.clock.nowUs()), events: [] },
    { outcome: "fatal_error", error: cause ?? new Error(reason) },
  );
}

/**
 * Commits an applied result. A result that arms a timer for a next step a strict declared flow does not allow, or
 * that storage refuses to hold, fails the machine instead, as a result that breaks the contract does: the returned
 * reason says why; null when the result was committed.
 */
export async function commitApplied(
  run: StepRun,
  record: MachineRecord,
  applied: { record: MachineRecord; events: readonly Event[]; remove: boolean },
  notification?: StepCommit["notification"],
): Promise<string | null> {
  const next = applied.record.timer;
  // A timer the step armed (a kept one is the same object) names the step that follows this one.
  if (
    next !== null &&
    next !== record.timer &&
    !transitionAllowed(run.namespace, run.attempt.name, next.step ?? "timer")
  ) {
    const reason = `the declared flow of ${run.namespace.name} does not allow ${run.attempt.name} → ${next.step ?? "timer"}`;
    await commitFailure(run, record, reason);
    return reason;
  }
  try {
    await run.commit({
      kind: applied.remove ? "remove" : "update",
      record: applied.record,
      events: applied.events,
      ...(notification ? { notification } : {}),
    });
    return null;
  } catch (error) {
    if (!(error instanceof StorageRejectedError)) throw error;
    await commitFailure(run, record, error.message, error);
    return error.message;
  }
}
