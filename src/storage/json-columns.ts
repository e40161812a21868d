/**
 * JSON forms of the small structured columns every adapter stores (timer, retry, failure, history range,
 * request context). One codec, so the embedded store and PostgreSQL hold the same documents.
 */
import assert from "node:assert/strict";
import type { HistoryRange } from "../core/history-range.js";
import type { Failure, Pause, RequestContext, Timer, TimerRetry } from "../core/machine.js";

/** The timer without its due time, which lives in its own indexed column. */
type TimerDocument = Omit<Timer, "dueAtUs">;

export function timerToJson(timer: Timer | null): string | null {
  if (timer === null) return null;
  const { dueAtUs: _dueAtUs, ...document } = timer;
  return JSON.stringify(document satisfies TimerDocument);
}

export function timerFromJson(json: string | null, dueAtUs: number | null): Timer | null {
  if (json === null) return null;
  assert.ok(dueAtUs !== null, "a stored timer has a due time");
  const document = JSON.parse(json) as TimerDocument;
  return { dueAtUs, ...document };
}

export function retryToJson(retry: TimerRetry | null): string | null {
  return retry === null ? null : JSON.stringify(retry);
}

export function retryFromJson(json: string | null): TimerRetry | null {
  return json === null ? null : (JSON.parse(json) as TimerRetry);
}

export function failureToJson(failure: Failure | null): string | null {
  return failure === null ? null : JSON.stringify(failure);
}

export function failureFromJson(json: string | null): Failure | null {
  return json === null ? null : (JSON.parse(json) as Failure);
}

export function pauseToJson(pause: Pause | null): string | null {
  return pause === null ? null : JSON.stringify(pause);
}

export function pauseFromJson(json: string | null): Pause | null {
  return json === null ? null : (JSON.parse(json) as Pause);
}

export function rangeToJson(range: HistoryRange): string {
  return JSON.stringify(range);
}

export function rangeFromJson(json: string): HistoryRange {
  return JSON.parse(json) as HistoryRange;
}

export function contextToJson(context: RequestContext | undefined): string | null {
  return context === undefined ? null : JSON.stringify(context);
}

export function contextFromJson(json: string | null): RequestContext | undefined {
  return json === null ? undefined : (JSON.parse(json) as RequestContext);
}
