/** What a request needs of the machine before its step may run; each refusal is typed and changes nothing. */
import {
  MachineAlreadyWorkingError,
  MachineFailedError,
  MachineNotFoundError,
  MachinePausedError,
} from "../../core/errors.js";
import type { MachineRecord } from "../../core/machine.js";
import type { StepRun } from "../step-run.js";

export function requireExisting(run: StepRun): MachineRecord {
  const record = run.machine.record;
  if (record === null) throw new MachineNotFoundError(run.namespace.name, run.held.lease.machineId);
  return record;
}

/** Neither failed nor paused: a call's and an operator's pause's precondition. */
export function requireWorking(run: StepRun): MachineRecord {
  const record = requireExisting(run);
  if (record.failure !== null)
    throw new MachineFailedError(run.namespace.name, record.id, record.failure.reason);
  if (record.pause !== null) throw new MachinePausedError(run.namespace.name, record.id, record.pause.reason);
  return record;
}

/** A repair's precondition: the machine waits for an operator, failed or paused. */
export function requireFailedOrPaused(run: StepRun): MachineRecord {
  const record = requireExisting(run);
  if (record.failure === null && record.pause === null) {
    throw new MachineAlreadyWorkingError(run.namespace.name, record.id);
  }
  return record;
}
