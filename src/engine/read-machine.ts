/**
 * Reading a machine with a page of its history, within the namespace's limits: the one read behind Engine.get
 * and every operator's view. The span is judged inside the read, so a range over the limit is refused without
 * reading its events.
 */
import { LimitExceededError, MachineNotFoundError } from "../core/errors.js";
import type { HistoryRange } from "../core/history-range.js";
import { selectEventSpan } from "../core/history-range.js";
import type { Limits } from "../core/limits.js";
import { statusOf } from "../core/machine.js";
import type { MachineStore } from "../storage/machine-store.js";
import type { MachineSnapshot } from "./engine-api.js";

/** The words of LimitExceededError.limit for a read asking for more events than one page may hold. */
export const HISTORY_PAGE_LIMIT = "events in one read (give the range a limit)";

export async function readMachineSnapshot(
  storage: Pick<MachineStore, "readMachineWithEvents">,
  options: { namespace: string; machineId: string; range: HistoryRange; limits: Limits },
): Promise<MachineSnapshot> {
  const { namespace, machineId, range, limits } = options;
  let refusedCount = 0;
  const read = await storage.readMachineWithEvents(namespace, machineId, (record) => {
    const span = selectEventSpan(range, 1, record.lastEventId);
    if (span === null || span.count <= limits.historyPageEventsMax) return span;
    refusedCount = span.count;
    return null;
  });
  if (read === null) throw new MachineNotFoundError(namespace, machineId);
  if (refusedCount > 0)
    throw new LimitExceededError(HISTORY_PAGE_LIMIT, refusedCount, limits.historyPageEventsMax);
  return { record: read.record, status: statusOf(read.record), history: read.events, historyRange: range };
}
