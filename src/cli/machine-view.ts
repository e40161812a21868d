/**
 * How `ratchet machine` shows machines and payloads, as JSON (`--json`) or as lines for a terminal. Pure: from
 * records and events to values and text. Payloads are shown in natural JSON, as the JSON API shows them
 * (natural-json.ts), or with `--msgpack-json` in the readable JSON form of msgpack.Value (msgpack-json.ts); bytes
 * that are not one Value are shown as base64, and the view says so.
 */
import { type HistoryRange, nextAfterOf } from "../core/history-range.js";
import type { JournalEntry } from "../core/journal.js";
import type { Content, Event, MachineRecord, MachineStatus } from "../core/machine.js";
import { statusOf } from "../core/machine.js";
import { formatTimestampUs } from "../core/time.js";
import type { JsonValue } from "../mg/msgpack/msgpack-json.js";
import { decodeValue, valueToJson } from "../mg/msgpack/msgpack-value.js";
import { valueToNaturalJson } from "../mg/msgpack/natural-json.js";
import { journalEntryView, journalLines } from "./journal-view.js";
import { displayText } from "./text-format.js";

export { displayText } from "./text-format.js";

/** How payloads are written: natural JSON (the default, as the JSON API), or msgpack.Value's JSON form. */
export type PayloadForm = "natural" | "msgpack-json";

export type PayloadView =
  | { readonly encoding: "json"; readonly value: unknown }
  | { readonly encoding: "msgpack"; readonly value: JsonValue }
  /** No bytes at all: the aux state of a machine whose processor never set one. */
  | { readonly encoding: "empty" }
  | { readonly encoding: "base64"; readonly base64: string; readonly why: string };

export function payloadView(bytes: Uint8Array, form: PayloadForm = "natural"): PayloadView {
  if (bytes.byteLength === 0) return { encoding: "empty" };
  try {
    const value = decodeValue(bytes);
    if (form === "natural") return { encoding: "json", value: valueToNaturalJson(value) };
    return { encoding: "msgpack", value: valueToJson(value) };
  } catch (error) {
    const why = `not a msgpack.Value: ${error instanceof Error ? error.message : String(error)}`;
    return { encoding: "base64", base64: Buffer.from(bytes).toString("base64"), why };
  }
}

export function payloadText(view: PayloadView): string {
  switch (view.encoding) {
    case "json":
    case "msgpack":
      return JSON.stringify(view.value);
    case "empty":
      return "(empty)";
    case "base64":
      return `base64 ${view.base64} (${view.why})`;
  }
}

function contentView(content: Content, form: PayloadForm) {
  return {
    ...(content.formatVersion === undefined ? {} : { formatVersion: content.formatVersion }),
    data: payloadView(content.data, form),
  };
}

function eventView(event: Event, form: PayloadForm) {
  return { id: event.id, createdAt: formatTimestampUs(event.createdAtUs), ...contentView(event, form) };
}

/** `machine get --json`; `recentSteps` are the journal's last entries, oldest first. */
export function machineView(
  record: MachineRecord,
  events: readonly Event[],
  range: HistoryRange,
  recentSteps: readonly JournalEntry[] = [],
  form: PayloadForm = "natural",
) {
  const { failure, timer, retry, pause } = record;
  return {
    namespace: record.namespace,
    id: record.id,
    status: statusOf(record),
    failure:
      failure === null
        ? null
        : {
            reason: failure.reason,
            previousStatus: failure.previousStatus,
            failedAt: formatTimestampUs(failure.failedAtUs),
          },
    pause:
      pause === null
        ? null
        : { reason: pause.reason, by: pause.by, pausedAt: formatTimestampUs(pause.pausedAtUs) },
    timer:
      timer === null
        ? null
        : {
            dueAt: formatTimestampUs(timer.dueAtUs),
            ...(timer.step === undefined ? {} : { step: timer.step }),
            range: timer.range,
            ...(timer.processor === undefined ? {} : { processor: timer.processor }),
          },
    retry:
      retry === null
        ? null
        : {
            attempt: retry.attempt,
            firstFailedAt: formatTimestampUs(retry.firstFailedAtUs),
            dueAt: formatTimestampUs(retry.dueAtUs),
            lastError: retry.lastError,
          },
    auxState: contentView(record.auxState, form),
    createdAt: formatTimestampUs(record.createdAtUs),
    updatedAt: formatTimestampUs(record.updatedAtUs),
    lastEventId: record.lastEventId,
    range,
    events: events.map((event) => eventView(event, form)),
    nextAfter: nextAfterOf(record, events, range),
    lastStepNumber: record.stepNumber,
    recentSteps: recentSteps.map(journalEntryView),
  };
}

/** `machine get` for a terminal. */
export function machineLines(
  record: MachineRecord,
  events: readonly Event[],
  range: HistoryRange,
  recentSteps: readonly JournalEntry[] = [],
  form: PayloadForm = "natural",
): string[] {
  const view = machineView(record, events, range, recentSteps, form);
  const lines = [`machine ${displayText(record.namespace)} ${displayText(record.id)}: ${view.status}`];
  if (view.failure !== null) {
    lines.push(
      `  failure: ${view.failure.reason} (failed at ${view.failure.failedAt}; simple repair returns it to ${view.failure.previousStatus})`,
    );
  }
  if (view.pause !== null) {
    lines.push(
      `  pause: ${view.pause.reason} (by ${view.pause.by} since ${view.pause.pausedAt}; machine resume runs its pending step again)`,
    );
  }
  if (view.timer !== null) {
    const step = view.timer.step === undefined ? "" : `, step ${displayText(view.timer.step)}`;
    const processor = view.timer.processor === undefined ? "" : `, processor ${view.timer.processor}`;
    lines.push(
      `  timer: due at ${view.timer.dueAt} (history ${rangeText(view.timer.range)}${step}${processor})`,
    );
  } else lines.push("  timer: none");
  if (view.retry !== null) {
    lines.push(
      `  timer retry: attempt ${view.retry.attempt} since ${view.retry.firstFailedAt}, next at ${view.retry.dueAt}; last error: ${view.retry.lastError}`,
    );
  }
  lines.push(`  aux state: ${payloadText(view.auxState.data)}${versionText(view.auxState.formatVersion)}`);
  lines.push(`  created at ${view.createdAt}, updated at ${view.updatedAt}`);
  lines.push(...recentStepLines(record, recentSteps));
  lines.push(`  events: ${record.lastEventId} in all; shown: ${events.length} (${rangeText(range)})`);
  for (const event of view.events) {
    lines.push(
      `    #${event.id} ${event.createdAt}${versionText(event.formatVersion)} ${payloadText(event.data)}`,
    );
  }
  if (view.nextAfter !== null) lines.push(`  more: --after ${view.nextAfter}`);
  return lines;
}

function recentStepLines(record: MachineRecord, recentSteps: readonly JournalEntry[]): string[] {
  if (recentSteps.length === 0) return ["  steps: none in the journal"];
  const shown = `the last ${recentSteps.length} of ${record.stepNumber}`;
  const table = journalLines(recentSteps).map((line) => `    ${line}`);
  return [`  steps: ${shown} (machine steps shows the journal)`, ...table];
}

/** One row of `machine list --json`. */
export function machineSummary(record: MachineRecord): {
  id: string;
  status: MachineStatus;
  lastEventId: number;
  updatedAt: string;
} {
  return {
    id: record.id,
    status: statusOf(record),
    lastEventId: record.lastEventId,
    updatedAt: formatTimestampUs(record.updatedAtUs),
  };
}

export function machineSummaryLine(record: MachineRecord): string {
  const summary = machineSummary(record);
  return `${displayText(summary.id)}  ${summary.status}  events ${summary.lastEventId}  updated at ${summary.updatedAt}`;
}

function rangeText(range: HistoryRange): string {
  const after = range.after === undefined ? "" : `after ${range.after}, `;
  const limit = range.limit === undefined ? "all" : `limit ${range.limit}`;
  return `${after}${limit}, ${range.direction}`;
}

function versionText(formatVersion: number | undefined): string {
  return formatVersion === undefined ? "" : ` v${formatVersion}`;
}
