/** What a request needs of the machine before its step may run; each refusal is typed and changes nothing. */
import { MachineAlreadyWorkingError, MachineFailedError, MachineNotFoundError } from "../../core/errors.js";
import type { MachineRecord } from "../../core/machine.js";
import type { StepRun } from "../step-run.js";

export function requireExisting(run: StepRun): MachineRecord {
  const record = run.machine.record;
  if (record === null) throw new MachineNotFoundError(run.namespace.name, run.held.lease.machineId);
  return record;
}

export function requireWorking(run: StepRun): MachineRecord {
  const record = requireExisting(run);
  if (record.failure !== null)
    throw new MachineFailedError(run.namespace.name, record.id, record.failure.reason);
  return record;
}

export function requireFailed(run: StepRun): MachineRecord {
  const record = requireExisting(run);
  if (record.failure === null) throw new MachineAlreadyWorkingError(run.namespace.name, record.id);
  return record;
}
