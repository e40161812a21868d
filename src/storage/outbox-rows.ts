/**
 * The outbox row both adapters store, and its one mapping to and from core records. A lifecycle record's
 * sequence is its position: assigned by storage in commit order, stable while the row waits.
 */
import type { LifecycleChange } from "../core/outbox.js";
import type { OutboxEntry, StoredOutboxRecord } from "./storage.js";

export interface OutboxRow {
  position: number;
  sink: string;
  namespace: string;
  machine_id: string;
  kind: string;
  event_id: number | null;
  created_at_us: number;
  format_version: number | null;
  data: Uint8Array | null;
  change: string | null;
}

export function outboxToRow(entry: OutboxEntry): Omit<OutboxRow, "position"> {
  const { draft } = entry;
  const common = {
    sink: entry.sink,
    namespace: draft.namespace,
    machine_id: draft.machineId,
    kind: draft.kind,
    created_at_us: draft.createdAtUs,
  };
  if (draft.kind === "event") {
    return {
      ...common,
      event_id: draft.eventId,
      format_version: draft.formatVersion ?? null,
      data: draft.data,
      change: null,
    };
  }
  return {
    ...common,
    event_id: null,
    format_version: null,
    data: null,
    change: JSON.stringify(draft.change),
  };
}

export function outboxFromRow(row: OutboxRow): StoredOutboxRecord {
  const common = { namespace: row.namespace, machineId: row.machine_id, createdAtUs: row.created_at_us };
  if (row.kind === "event") {
    return {
      position: row.position,
      record: {
        kind: "event",
        ...common,
        eventId: row.event_id as number,
        ...(row.format_version === null ? {} : { formatVersion: row.format_version }),
        data: row.data as Uint8Array,
      },
    };
  }
  const change = JSON.parse(row.change as string) as LifecycleChange;
  return { position: row.position, record: { kind: "lifecycle", ...common, change, sequence: row.position } };
}
