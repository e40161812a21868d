/** Machines, events and notifications as the JSON API shows them: snake_case, RFC 3339 µs, natural JSON. */
import { type HistoryRange, nextAfterOf } from "../../core/history-range.js";
import type { Content, Event, MachineRecord } from "../../core/machine.js";
import { statusOf } from "../../core/machine.js";
import type { Notification } from "../../core/notification.js";
import { MICROSECONDS_PER_MILLISECOND } from "../../core/time.js";
import { type JsonValue, payloadJson } from "./payloads.js";

/** How a response shows a payload: natural JSON, or a masked marker (src/http/access/grant.ts payloadViewOf). */
export type PayloadView = (bytes: Uint8Array) => JsonValue;

/** RFC 3339 UTC with all six fraction digits, so instants sort as text and keep their precision. */
export function instantText(instantUs: number): string {
  const milliseconds = Math.floor(instantUs / MICROSECONDS_PER_MILLISECOND);
  const micros = instantUs - milliseconds * MICROSECONDS_PER_MILLISECOND;
  return `${new Date(milliseconds).toISOString().slice(0, 23)}${String(micros).padStart(3, "0")}Z`;
}

function contentView(content: Content, payload: PayloadView) {
  return { format_version: content.formatVersion ?? null, data: payload(content.data) };
}

export function eventView(event: Event, payload: PayloadView = payloadJson) {
  return { id: event.id, created_at: instantText(event.createdAtUs), ...contentView(event, payload) };
}

export function machineView(
  record: MachineRecord,
  events: readonly Event[],
  range: HistoryRange,
  payload: PayloadView = payloadJson,
) {
  const { failure, pause, timer, retry } = record;
  return {
    namespace: record.namespace,
    id: record.id,
    status: statusOf(record),
    failure:
      failure === null
        ? null
        : {
            reason: failure.reason,
            previous_status: failure.previousStatus,
            failed_at: instantText(failure.failedAtUs),
          },
    pause:
      pause === null
        ? null
        : { reason: pause.reason, by: pause.by, paused_at: instantText(pause.pausedAtUs) },
    timer:
      timer === null
        ? null
        : {
            due_at: instantText(timer.dueAtUs),
            step: timer.step ?? null,
            processor: timer.processor ?? null,
          },
    retry:
      retry === null
        ? null
        : {
            attempt: retry.attempt,
            first_failed_at: instantText(retry.firstFailedAtUs),
            due_at: instantText(retry.dueAtUs),
            last_error: retry.lastError,
          },
    aux_state: contentView(record.auxState, payload),
    created_at: instantText(record.createdAtUs),
    updated_at: instantText(record.updatedAtUs),
    last_event_id: record.lastEventId,
    events: events.map((event) => eventView(event, payload)),
    next_after: nextAfterOf(record, events, range),
  };
}

export function machineSummary(record: MachineRecord) {
  return {
    id: record.id,
    status: statusOf(record),
    failure_reason: record.failure?.reason ?? null,
    timer_due_at: record.timer === null ? null : instantText(record.timer.dueAtUs),
    last_event_id: record.lastEventId,
    updated_at: instantText(record.updatedAtUs),
  };
}

export function notificationView(notification: Notification) {
  return {
    id: notification.id,
    attempts: notification.attempt,
    next_attempt_at: instantText(notification.dueAtUs),
    last_error: notification.lastError ?? null,
    created_at: instantText(notification.createdAtUs),
  };
}
