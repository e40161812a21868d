/**
 * Modernization: outdated event bodies rewritten through the modernizer, under the machine's lease so no step
 * runs meanwhile, and committed like a step: fenced by the lease, with the record touched in the same
 * transaction, which invalidates every node's cached history of the machine (MG's stash had this hole).
 */
import assert from "node:assert/strict";
import type { HistoryRange } from "../../core/history-range.js";
import { selectEventSpan } from "../../core/history-range.js";
import type { RequestContext } from "../../core/machine.js";
import { modernizeEvents } from "../modernize-events.js";
import type { StepRun } from "../step-run.js";
import { requireExisting } from "./preconditions.js";
import { contextOf } from "./start.js";

export async function runModernize(
  run: StepRun,
  work: { range: HistoryRange; deadlineUs: number; context?: RequestContext },
): Promise<number> {
  const record = requireExisting(run);
  const modernizer = run.namespace.modernizer;
  assert.ok(modernizer !== undefined, "the engine checks the namespace has a modernizer");
  const history = await run.machine.historyFor(record, selectEventSpan(work.range, 1, record.lastEventId));
  const updates = await modernizeEvents(modernizer, history, {
    namespace: run.namespace.name,
    machineId: record.id,
    clock: run.engine.clock,
    deadlineUs: run.machine.callDeadlineUs(work.deadlineUs),
    leaseLost: run.held.lost,
    ...contextOf(work),
  });
  if (updates.length === 0) return 0;
  const touched = { ...record, updatedAtUs: run.engine.clock.nowUs() };
  await run.commit({ kind: "update", record: touched, events: [], eventContents: updates });
  return updates.length;
}
