/** Steps an operator asks for that call no processor: simple repair and remove. */
import { restoreRecord } from "../../core/step.js";
import type { StepRun } from "../step-run.js";
import { requireExisting, requireFailed } from "./preconditions.js";

/** Back to the status before the failure, timer and retry re-armed as they were. */
export async function runSimpleRepair(run: StepRun): Promise<void> {
  const record = requireFailed(run);
  await run.commit({ kind: "update", record: restoreRecord(record, run.engine.clock.nowUs()), events: [] });
}

export async function runRemove(run: StepRun): Promise<void> {
  const record = requireExisting(run);
  await run.commit({ kind: "remove", record, events: [] });
}
