/**
 * Row shapes of the tables both adapters keep, in column names, and their one mapping to and from core types.
 * Integer columns arrive as JS numbers: the mapping asserts they are safe integers (µs reach 2^53 in 2255).
 * Text columns never carry U+0000, which PostgreSQL cannot store, so both adapters keep the same rows.
 */
import assert from "node:assert/strict";
import type { JournalEntry } from "../core/journal.js";
import type { Event, MachineRecord } from "../core/machine.js";
import { dueAtUsOf, statusOf } from "../core/machine.js";
import type { Notification } from "../core/notification.js";
import type { LifecycleChange } from "../core/outbox.js";
import {
  contextFromJson,
  contextToJson,
  failureFromJson,
  failureToJson,
  pauseFromJson,
  pauseToJson,
  rangeFromJson,
  rangeToJson,
  retryFromJson,
  retryToJson,
  timerFromJson,
  timerToJson,
} from "./json-columns.js";
import type { OutboxEntry } from "./machine-store.js";
import type { ParkedOutboxRecord, StoredOutboxRecord } from "./outbox-store.js";

function safeInteger(value: number, column: string): number {
  assert.ok(Number.isSafeInteger(value), `${column} = ${value} is not a safe integer`);
  return value;
}

function safeIntegerOrNull(value: number | null, column: string): number | null {
  return value === null ? null : safeInteger(value, column);
}

export interface MachineRow {
  namespace: string;
  machine_id: string;
  status: string;
  aux_state: Uint8Array;
  aux_format_version: number | null;
  last_event_id: number;
  timer: string | null;
  timer_due_at_us: number | null;
  retry: string | null;
  failure: string | null;
  pause: string | null;
  last_step_number: number;
  due_at_us: number | null;
  created_at_us: number;
  updated_at_us: number;
}

export function machineFromRow(row: MachineRow): MachineRecord {
  return {
    namespace: row.namespace,
    id: row.machine_id,
    auxState:
      row.aux_format_version === null
        ? { data: row.aux_state }
        : { formatVersion: row.aux_format_version, data: row.aux_state },
    lastEventId: row.last_event_id,
    timer: timerFromJson(row.timer, row.timer_due_at_us),
    retry: retryFromJson(row.retry),
    failure: failureFromJson(row.failure),
    pause: pauseFromJson(row.pause),
    stepNumber: row.last_step_number,
    createdAtUs: row.created_at_us,
    updatedAtUs: row.updated_at_us,
  };
}

export function machineToRow(record: MachineRecord): MachineRow {
  return {
    namespace: record.namespace,
    machine_id: record.id,
    status: statusOf(record),
    aux_state: record.auxState.data,
    aux_format_version: record.auxState.formatVersion ?? null,
    last_event_id: safeInteger(record.lastEventId, "last_event_id"),
    timer: timerToJson(record.timer),
    timer_due_at_us: safeIntegerOrNull(record.timer?.dueAtUs ?? null, "timer_due_at_us"),
    retry: retryToJson(record.retry),
    failure: failureToJson(record.failure),
    pause: pauseToJson(record.pause),
    last_step_number: safeInteger(record.stepNumber, "last_step_number"),
    due_at_us: safeIntegerOrNull(dueAtUsOf(record), "due_at_us"),
    created_at_us: safeInteger(record.createdAtUs, "created_at_us"),
    updated_at_us: safeInteger(record.updatedAtUs, "updated_at_us"),
  };
}

export interface EventRow {
  namespace: string;
  machine_id: string;
  event_id: number;
  created_at_us: number;
  format_version: number | null;
  data: Uint8Array;
}

export function eventFromRow(
  row: Pick<EventRow, "event_id" | "created_at_us" | "format_version" | "data">,
): Event {
  return row.format_version === null
    ? { id: row.event_id, createdAtUs: row.created_at_us, data: row.data }
    : { id: row.event_id, createdAtUs: row.created_at_us, formatVersion: row.format_version, data: row.data };
}

export function eventToRow(namespace: string, machineId: string, event: Event): EventRow {
  return {
    namespace,
    machine_id: machineId,
    event_id: safeInteger(event.id, "event_id"),
    created_at_us: safeInteger(event.createdAtUs, "created_at_us"),
    format_version: event.formatVersion ?? null,
    data: event.data,
  };
}

export interface NotificationRow {
  namespace: string;
  notification_id: string;
  machine_id: string;
  args: Uint8Array;
  range: string;
  context: string | null;
  created_at_us: number;
  due_at_us: number;
  attempt: number;
  first_failed_at_us: number | null;
  last_error: string | null;
}

export function notificationFromRow(row: NotificationRow): Notification {
  const context = contextFromJson(row.context);
  return {
    namespace: row.namespace,
    id: row.notification_id,
    machineId: row.machine_id,
    args: row.args,
    range: rangeFromJson(row.range),
    ...(context === undefined ? {} : { context }),
    createdAtUs: row.created_at_us,
    dueAtUs: row.due_at_us,
    attempt: row.attempt,
    ...(row.first_failed_at_us === null ? {} : { firstFailedAtUs: row.first_failed_at_us }),
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
  };
}

export function notificationToRow(notification: Notification): NotificationRow {
  return {
    namespace: notification.namespace,
    notification_id: notification.id,
    machine_id: notification.machineId,
    args: notification.args,
    range: rangeToJson(notification.range),
    context: contextToJson(notification.context),
    created_at_us: safeInteger(notification.createdAtUs, "created_at_us"),
    due_at_us: safeInteger(notification.dueAtUs, "due_at_us"),
    attempt: notification.attempt,
    first_failed_at_us: safeIntegerOrNull(notification.firstFailedAtUs ?? null, "first_failed_at_us"),
    last_error: diagnosticText(notification.lastError ?? null),
  };
}

/**
 * PostgreSQL text cannot hold U+0000, and one such character would fail the whole group commit it rides in.
 * Error messages come from processors we do not control, so they lose that character instead.
 */
export function diagnosticText(text: string | null): string | null {
  return text === null ? null : text.replaceAll("\u0000", "\uFFFD");
}

/** A lifecycle record's sequence is its outbox position: assigned by storage in commit order. */
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

export interface ParkedOutboxRow extends OutboxRow {
  reason: string;
  parked_at_us: number;
}

export function parkedFromRow(row: ParkedOutboxRow): ParkedOutboxRecord {
  return { ...outboxFromRow(row), sink: row.sink, reason: row.reason, parkedAtUs: row.parked_at_us };
}

/** One journal entry, as both adapters keep it in `steps`. */
export interface StepRow {
  namespace: string;
  machine_id: string;
  step_number: number;
  kind: string;
  name: string;
  processor: string | null;
  attempt: number;
  started_at_us: number;
  ended_at_us: number;
  outcome: string;
  error_class: string | null;
  error_text: string | null;
  events_appended: number;
}

export function stepToRow(namespace: string, machineId: string, entry: JournalEntry): StepRow {
  return {
    namespace,
    machine_id: machineId,
    step_number: safeInteger(entry.stepNumber, "step_number"),
    kind: entry.kind,
    name: entry.name,
    processor: entry.processor,
    attempt: entry.attempt,
    started_at_us: safeInteger(entry.startedAtUs, "started_at_us"),
    ended_at_us: safeInteger(entry.endedAtUs, "ended_at_us"),
    outcome: entry.outcome,
    error_class: entry.errorClass,
    error_text: diagnosticText(entry.errorText),
    events_appended: entry.eventsAppended,
  };
}

export function stepFromRow(row: Omit<StepRow, "namespace" | "machine_id">): JournalEntry {
  return {
    stepNumber: row.step_number,
    kind: row.kind as JournalEntry["kind"],
    name: row.name,
    processor: row.processor,
    attempt: row.attempt,
    startedAtUs: row.started_at_us,
    endedAtUs: row.ended_at_us,
    outcome: row.outcome as JournalEntry["outcome"],
    errorClass: row.error_class,
    errorText: row.error_text,
    eventsAppended: row.events_appended,
  };
}

/** A claim took over when it replaced another owner's expired lease (the claim's `takenOverFrom`). */
export function takenOverFrom(previous: string | null, owner: string): { takenOverFrom?: string } {
  return previous === null || previous === owner ? {} : { takenOverFrom: previous };
}
