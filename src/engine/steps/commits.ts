/** The two commits most steps end with: a processor's result applied, or the machine failed with a reason. */
import { StorageRejectedError } from "../../core/errors.js";
import type { Event, MachineRecord, Payload } from "../../core/machine.js";
import { failRecord } from "../../core/step.js";
import type { StepCommit } from "../../storage/machine-store.js";
import type { StepRun } from "../step-run.js";
import type { KeyStamp } from "./idempotency.js";

export async function commitFailure(
  run: StepRun,
  record: MachineRecord,
  reason: string,
  keyed?: KeyStamp,
): Promise<void> {
  await run.commit({
    kind: "update",
    record: failRecord(record, reason, run.engine.clock.nowUs()),
    events: [],
    ...keyed?.({ kind: "failed", reason }),
  });
}

/** What a step commits besides its result: the notification it settled, the request's idempotency key. */
export interface StepExtras {
  readonly notification?: StepCommit["notification"];
  readonly keyed?: KeyStamp;
}

/**
 * Commits an applied result. A result storage refuses to hold fails the machine instead, as a result that breaks
 * the contract does: the returned reason says why; null when the result was committed.
 */
export async function commitApplied(
  run: StepRun,
  record: MachineRecord,
  applied: { record: MachineRecord; events: readonly Event[]; remove: boolean; response: Payload },
  extras: StepExtras = {},
): Promise<string | null> {
  const { notification, keyed } = extras;
  try {
    await run.commit({
      kind: applied.remove ? "remove" : "update",
      record: applied.record,
      events: applied.events,
      ...(notification ? { notification } : {}),
      ...keyed?.({ kind: "response", response: applied.response }),
    });
    return null;
  } catch (error) {
    if (!(error instanceof StorageRejectedError)) throw error;
    await commitFailure(run, record, error.message, keyed);
    return error.message;
  }
}
