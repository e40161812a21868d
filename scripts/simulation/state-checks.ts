/**
 * What the real store holds for one machine, compared with the model: the record, every event (ids contiguous
 * from 1, each as the model has it) and, when asked, the notifications waiting for delivery.
 */
import type { Storage } from "../../src/storage/storage.js";
import type { MachineEntry } from "./ledger.js";
import { currentState } from "./ledger.js";
import { canonical, differenceOf, modelOfRecord } from "./model.js";

export async function storedDifference(
  real: Storage,
  entry: MachineEntry,
  options: { readonly notifications: boolean },
): Promise<string | null> {
  const state = currentState(entry);
  const stored = await real.readMachineWithEvents(entry.namespace, entry.id, (record) =>
    record.lastEventId === 0
      ? null
      : { from: 1, to: record.lastEventId, direction: "forward", count: record.lastEventId },
  );
  if (stored === null && state.exists) return "storage holds no machine; the model has one";
  if (stored !== null && !state.exists) return "storage holds the machine; the model has none";
  if (stored !== null) {
    const { record, events } = stored;
    if (events.length !== record.lastEventId)
      return `last event id ${record.lastEventId}, but ${events.length} events stored`;
    const gap = events.findIndex((event, index) => event.id !== index + 1);
    if (gap >= 0)
      return `event ids are not contiguous from 1: position ${gap + 1} holds id ${events[gap]?.id}`;
    const difference = differenceOf(state, modelOfRecord(record, events));
    if (difference !== null) return difference;
  }
  if (!options.notifications) return null;
  const waiting = await real.listNotifications(entry.namespace, entry.id);
  const storedNotifications = canonical(
    waiting.map((each) => ({ id: each.id, attempt: each.attempt, dueAtUs: each.dueAtUs })).sort(byId),
  );
  const modelNotifications = canonical(
    [...entry.notifications.values()]
      .map((each) => ({ id: each.id, attempt: each.attempt, dueAtUs: each.dueAtUs }))
      .sort(byId),
  );
  if (storedNotifications !== modelNotifications)
    return `notifications: expected ${modelNotifications}, stored ${storedNotifications}`;
  return null;
}

function byId(left: { id: string }, right: { id: string }): number {
  return left.id < right.id ? -1 : left.id > right.id ? 1 : 0;
}
