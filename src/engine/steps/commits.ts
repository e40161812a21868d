/** The two commits most steps end with: a processor's result applied, or the machine failed with a reason. */
import { StorageRejectedError } from "../../core/errors.js";
import type { Event, MachineRecord } from "../../core/machine.js";
import { failRecord } from "../../core/step.js";
import type { StepCommit } from "../../storage/machine-store.js";
import type { StepRun } from "../step-run.js";

export async function commitFailure(run: StepRun, record: MachineRecord, reason: string): Promise<void> {
  await run.commit({
    kind: "update",
    record: failRecord(record, reason, run.engine.clock.nowUs()),
    events: [],
  });
}

/**
 * Commits an applied result. A result storage refuses to hold fails the machine instead, as a result that breaks
 * the contract does, except a repair's: the machine is failed already and stays so with its first reason. The
 * returned reason says why; null when the result was committed.
 */
export async function commitApplied(
  run: StepRun,
  record: MachineRecord,
  applied: { record: MachineRecord; events: readonly Event[]; remove: boolean },
  notification?: StepCommit["notification"],
): Promise<string | null> {
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
    if (record.failure === null) await commitFailure(run, record, error.message);
    return error.message;
  }
}
