/**
 * What a step leaves in the outbox: its events for each event sink of the namespace, and the lifecycle change
 * it made (created, failed, repaired, removed) for each lifecycle sink. Pure: computed from the records before
 * and after the step.
 */
import type { Event, MachineRecord } from "../core/machine.js";
import type { LifecycleChange } from "../core/outbox.js";
import type { OutboxEntry, StepCommit } from "../storage/machine-store.js";
import type { Namespace } from "./namespace.js";

export function outboxEntriesOfStep(
  namespace: Namespace,
  step: { kind: StepCommit["kind"]; record: MachineRecord; events: readonly Event[] },
  previous: MachineRecord | null,
  nowUs: number,
): OutboxEntry[] {
  const entries: OutboxEntry[] = [];
  const { record } = step;
  for (const sink of namespace.eventSinks) {
    for (const event of step.events) {
      entries.push({
        sink,
        draft: {
          kind: "event",
          namespace: record.namespace,
          machineId: record.id,
          eventId: event.id,
          createdAtUs: event.createdAtUs,
          ...(event.formatVersion === undefined ? {} : { formatVersion: event.formatVersion }),
          data: event.data,
        },
      });
    }
  }
  const change = lifecycleChangeOf(step.kind, record, previous);
  if (change !== null) {
    for (const sink of namespace.lifecycleSinks) {
      entries.push({
        sink,
        draft: {
          kind: "lifecycle",
          namespace: record.namespace,
          machineId: record.id,
          createdAtUs: nowUs,
          change,
        },
      });
    }
  }
  return entries;
}

function lifecycleChangeOf(
  kind: StepCommit["kind"],
  record: MachineRecord,
  previous: MachineRecord | null,
): LifecycleChange | null {
  if (kind === "create") return { kind: "created" };
  if (kind === "remove") return { kind: "removed" };
  const wasHalted = previous !== null && haltReasonOf(previous) !== null;
  const haltReason = haltReasonOf(record);
  if (!wasHalted && haltReason !== null) return { kind: "failed", reason: haltReason };
  if (wasHalted && haltReason === null) return { kind: "repaired" };
  return null;
}

/**
 * Why the machine waits for an operator, as MG's lifecycle sink says it: MG has no paused status, so a pause is
 * published as a failure whose reason says it is paused, and a resume as a repair.
 */
function haltReasonOf(record: MachineRecord): string | null {
  if (record.failure !== null) return record.failure.reason;
  if (record.pause !== null) return `paused: ${record.pause.reason}`;
  return null;
}
