/**
 * The request of one step as the HTTP-JSON protocol carries it: the engine's ProcessorRequest with its payloads in
 * natural JSON, instants in RFC 3339 with six fraction digits, and the attempt of a step Ratchet retries itself.
 * Both the HTTP client and the SDK's in-process adapter build requests here, so a processor sees the same request
 * embedded or served.
 */
import type { HistoryRange } from "../../core/history-range.js";
import type { Content, Event } from "../../core/machine.js";
import { MICROSECONDS_PER_MILLISECOND } from "../../core/time.js";
import { decodeValue } from "../../mg/msgpack/msgpack-value.js";
import { type JsonValue, payloadToNaturalJson } from "../../mg/msgpack/natural-json.js";
import type { ProcessOptions, ProcessorRequest } from "../../processors/processor.js";
import {
  PROTOCOL_VERSION,
  type WireEvent,
  type WireHistoryRange,
  type WireRequest,
} from "./protocol-schema.js";

export function wireRequestOf(request: ProcessorRequest, options: ProcessOptions): WireRequest {
  const { machine } = request;
  return {
    version: PROTOCOL_VERSION,
    kind: request.kind,
    step: options.stepName ?? request.kind,
    namespace: machine.namespace,
    machine_id: machine.id,
    ...(request.kind === "timer" ? {} : { args: naturalJsonOf(request.args) }),
    history: machine.history.map(wireEventOf),
    history_range: wireRangeOf(machine.historyRange),
    aux_state: wireContentOf(machine.auxState),
    timer: machine.timerDueAtUs === null ? null : formatInstantUs(machine.timerDueAtUs),
    deadline: formatInstantUs(options.deadlineUs),
    attempt: options.attempt?.number ?? null,
    step_key: options.attempt?.stepKey ?? null,
    notification_id: request.kind === "notification" ? (request.notificationId ?? null) : null,
    context: { ...options.context },
  };
}

/** Stored bytes as natural JSON: none (an aux state never set) is null; bytes that are no Value are `$raw`. */
function naturalJsonOf(bytes: Uint8Array): JsonValue {
  return payloadToNaturalJson(bytes, decodeValue);
}

function wireEventOf(event: Event): WireEvent {
  return {
    id: event.id,
    created_at: formatInstantUs(event.createdAtUs),
    format_version: event.formatVersion ?? null,
    data: naturalJsonOf(event.data),
  };
}

function wireContentOf(content: Content): WireRequest["aux_state"] {
  return { format_version: content.formatVersion ?? null, data: naturalJsonOf(content.data) };
}

function wireRangeOf(range: HistoryRange): WireHistoryRange {
  return { after: range.after ?? null, limit: range.limit ?? null, direction: range.direction };
}

/**
 * RFC 3339 UTC with always six fraction digits (`2025-01-31T09:00:00.000250Z`): one fixed width is the easiest
 * form for a parser in any language, and microseconds are the precision of every instant Ratchet keeps.
 */
export function formatInstantUs(instantUs: number): string {
  const milliseconds = Math.floor(instantUs / MICROSECONDS_PER_MILLISECOND);
  const micros = instantUs - milliseconds * MICROSECONDS_PER_MILLISECOND;
  const base = new Date(milliseconds).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${base.slice(0, 23)}${String(micros).padStart(3, "0")}Z`;
}
