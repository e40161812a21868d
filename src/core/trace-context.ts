/**
 * W3C Trace Context (`traceparent`, `tracestate`) as a request's context carries it: accepted from a caller's
 * headers, stored with the work a request schedules (timers, notifications) like woody's trace ids, and sent on
 * to processors, so that every step of a machine's request lands in the caller's trace.
 */
import type { RequestContext } from "./machine.js";

/** The context keys, named as the HTTP headers are (lower case). */
export const TRACE_CONTEXT_KEY = Object.freeze({ TRACEPARENT: "traceparent", TRACESTATE: "tracestate" });

/** `version-traceid-parentid-flags`; version ff is forbidden, ids of all zeros are invalid (W3C §3.2). */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZEROS = /^0+$/;
/** W3C: vendors may send up to 512 characters of tracestate; longer is dropped rather than cut. */
const TRACESTATE_LENGTH_MAX = 512;

/** A valid `traceparent` value (lower-case hex, as W3C requires), trimmed; undefined for anything else (ignored). */
export function validTraceparent(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  const match = TRACEPARENT.exec(text);
  if (match === null) return undefined;
  const [, version, traceId, spanId] = match as unknown as [string, string, string, string];
  if (version === "ff" || ALL_ZEROS.test(traceId) || ALL_ZEROS.test(spanId)) return undefined;
  if (version === "00" && match[5] !== undefined) return undefined;
  return text;
}

/** The trace context of incoming headers as context entries; empty when they carry none that is valid. */
export function traceContextOf(headers: {
  traceparent: string | null | undefined;
  tracestate: string | null | undefined;
}): Record<string, string> {
  const traceparent = validTraceparent(headers.traceparent);
  if (traceparent === undefined) return {};
  const { tracestate } = headers;
  const keepState = typeof tracestate === "string" && tracestate.length <= TRACESTATE_LENGTH_MAX;
  return keepState
    ? { [TRACE_CONTEXT_KEY.TRACEPARENT]: traceparent, [TRACE_CONTEXT_KEY.TRACESTATE]: tracestate }
    : { [TRACE_CONTEXT_KEY.TRACEPARENT]: traceparent };
}

/** The W3C trace id (32 hex digits) a context carries, if any. */
export function traceIdOfContext(context: RequestContext | undefined): string | undefined {
  const traceparent = context?.[TRACE_CONTEXT_KEY.TRACEPARENT];
  return traceparent === undefined ? undefined : traceparent.slice(3, 35);
}
