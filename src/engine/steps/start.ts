/** The start of a machine: its init step. A start that fails writes nothing, so the id stays free. */
import { MachineAlreadyExistsError, MachineFailedError } from "../../core/errors.js";
import { FULL_HISTORY } from "../../core/history-range.js";
import type { IdempotencyRequest } from "../../core/idempotency.js";
import type { Payload, RequestContext } from "../../core/machine.js";
import { newMachineRecord } from "../../core/step.js";
import { invokeProcessor, outcomeOfStep, type StepRun } from "../step-run.js";
import { keyStampOf, storedOutcomeOf } from "./idempotency.js";

export async function runStart(
  run: StepRun,
  work: { args: Payload; deadlineUs: number; context?: RequestContext; idempotency?: IdempotencyRequest },
): Promise<void> {
  const { name } = run.namespace;
  if ((await storedOutcomeOf(run, work, "start")) !== null) return; // this start was committed before
  if (run.machine.record !== null) throw new MachineAlreadyExistsError(name, run.held.lease.machineId);
  const fresh = newMachineRecord(name, run.held.lease.machineId, run.engine.clock.nowUs());
  const outcome = await invokeProcessor(run, {
    record: fresh,
    request: { kind: "init", args: work.args },
    range: FULL_HISTORY,
    deadlineUs: work.deadlineUs,
    ...(work.context === undefined ? {} : { context: work.context }),
  });
  const step = outcomeOfStep(run, fresh, outcome, { kind: "init", ...contextOf(work) });
  if (step.kind === "transient" || step.kind === "repair_failed") throw step.error;
  if (step.kind === "failed") throw new MachineFailedError(name, fresh.id, step.reason);
  if (step.remove) return; // created and removed in one step: nothing remains
  await run.commit({
    kind: "create",
    record: step.record,
    events: step.events,
    ...keyStampOf(run, work, "start")({ kind: "started" }),
  });
}

export function contextOf(work: { context?: RequestContext }): { context?: RequestContext } {
  return work.context === undefined ? {} : { context: work.context };
}
