/**
 * Steps an operator asks for that call no processor: simple repair, remove, and pausing, resuming and retrying a
 * machine now. Each is a commit of its own, recorded in the journal like any step.
 */
import { MachineNotPausedError } from "../../core/errors.js";
import { pauseRecord, restoreRecord, resumeRecord, retryNowRecord } from "../../core/step.js";
import type { StepRun } from "../step-run.js";
import { requireExisting, requireFailedOrPaused, requireWorking } from "./preconditions.js";

/**
 * Back to the status before the failure, timer and retry re-armed as they were. A paused machine is resumed (over
 * woody, where MG has no paused status, it reads as failed, and SimpleRepair is how an MG client brings it back).
 */
export async function runSimpleRepair(run: StepRun): Promise<void> {
  const record = requireFailedOrPaused(run);
  const nowUs = run.engine.clock.nowUs();
  const next = record.failure === null ? resumeRecord(record, nowUs) : restoreRecord(record, nowUs);
  await run.commit({ kind: "update", record: next, events: [] });
}

export async function runRemove(run: StepRun): Promise<void> {
  const record = requireExisting(run);
  await run.commit({ kind: "remove", record, events: [] });
}

/** An operator's pause of a working machine; pausing a paused machine changes nothing. */
export async function runPause(run: StepRun, reason: string): Promise<void> {
  const record = run.machine.record;
  if (record?.pause != null) return;
  const working = requireWorking(run);
  const paused = pauseRecord(working, { reason, by: "operator", nowUs: run.engine.clock.nowUs() });
  await run.commit({ kind: "update", record: paused, events: [] });
}

/** Resumes a paused machine: its pending step runs again, with a fresh series of retries. */
export async function runResume(run: StepRun): Promise<void> {
  const record = requireExisting(run);
  if (record.pause === null) throw new MachineNotPausedError(run.namespace.name, record.id, "paused");
  await run.commit({ kind: "update", record: resumeRecord(record, run.engine.clock.nowUs()), events: [] });
}

/** The pending step runs now: a retrying machine's next try without its backoff, or a waiting machine's timer. */
export async function runRetryNow(run: StepRun): Promise<void> {
  const record = requireWorking(run);
  if (record.retry === null && record.timer === null) {
    throw new MachineNotPausedError(run.namespace.name, record.id, "waiting or retrying");
  }
  await run.commit({ kind: "update", record: retryNowRecord(record, run.engine.clock.nowUs()), events: [] });
}
