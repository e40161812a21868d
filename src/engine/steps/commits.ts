/**
 * The commits most steps end with: a processor's result applied (checked against a strict declared flow), or the
 * machine failed with a reason. Each says how the journal records the step, and stores the request's idempotency
 * key with the outcome when the request carried one.
 */
import { ProcessorResultInvalidError, StorageRejectedError } from "../../core/errors.js";
import type { Event, MachineRecord, Payload } from "../../core/machine.js";
import { failRecord } from "../../core/step.js";
import type { StepCommit } from "../../storage/machine-store.js";
import { transitionAllowed } from "../namespace.js";
import type { StepRun } from "../step-run.js";
import type { KeyStamp } from "./idempotency.js";

export async function commitFailure(
  run: StepRun,
  record: MachineRecord,
  reason: string,
  options: { cause?: Error; keyed?: KeyStamp } = {},
): Promise<void> {
  await run.commit(
    {
      kind: "update",
      record: failRecord(record, reason, run.engine.clock.nowUs()),
      events: [],
      ...options.keyed?.({ kind: "failed", reason }),
    },
    { outcome: "fatal_error", error: options.cause ?? new Error(reason) },
  );
}

/** What a step commits besides its result: the notification it settled, the request's idempotency key. */
export interface StepExtras {
  readonly notification?: StepCommit["notification"];
  readonly keyed?: KeyStamp;
}

/**
 * Commits an applied result. A result that arms a timer for a next step a strict declared flow does not allow, or
 * that storage refuses to hold, fails the machine instead, as a result that breaks the contract does, except a
 * repair's: the machine is failed already and stays so with its first reason. The returned reason says why; null
 * when the result was committed.
 */
export async function commitApplied(
  run: StepRun,
  record: MachineRecord,
  applied: { record: MachineRecord; events: readonly Event[]; remove: boolean; response: Payload },
  extras: StepExtras = {},
): Promise<string | null> {
  const { notification, keyed } = extras;
  const refusal = flowRefusalOf(run, record, applied.record);
  if (refusal !== null) {
    const cause = new ProcessorResultInvalidError(refusal);
    if (record.failure === null)
      await commitFailure(run, record, refusal, { cause, ...(keyed ? { keyed } : {}) });
    return refusal;
  }
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
    if (record.failure === null) {
      await commitFailure(run, record, error.message, { cause: error, ...(keyed ? { keyed } : {}) });
    }
    return error.message;
  }
}

/** Why a strict declared flow refuses the step's result, or null: a timer it armed names the step that follows. */
function flowRefusalOf(run: StepRun, record: MachineRecord, next: MachineRecord): string | null {
  const timer = next.timer;
  // A kept timer is the same object: only a timer this step armed is a transition.
  if (timer === null || timer === record.timer) return null;
  const to = timer.step ?? "timer";
  if (transitionAllowed(run.namespace, run.attempt.name, to)) return null;
  return `the declared flow of ${run.namespace.name} does not allow ${run.attempt.name} → ${to}`;
}
