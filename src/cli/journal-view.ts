/**
 * How the CLI shows a machine's step journal: each entry as JSON (`--json`, one line per entry) or as a row of a
 * table. Pure: from journal entries to values and text.
 */
import type { JournalEntry } from "../core/journal.js";
import { formatTimestampUs, MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import { displayText, durationText, tableLines } from "./text-format.js";

/** Characters of an error a table row shows; the JSON form has all of it. */
const ERROR_TEXT_IN_TABLE_MAX = 100;

export interface JournalEntryView {
  readonly stepNumber: number;
  readonly name: string;
  readonly kind: string;
  readonly processor: string | null;
  readonly attempt: number;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly durationMs: number;
  readonly outcome: string;
  readonly errorClass: string | null;
  readonly errorText: string | null;
  readonly eventsAppended: number;
}

export function journalEntryView(entry: JournalEntry): JournalEntryView {
  return {
    stepNumber: entry.stepNumber,
    name: entry.name,
    kind: entry.kind,
    processor: entry.processor,
    attempt: entry.attempt,
    startedAt: formatTimestampUs(entry.startedAtUs),
    endedAt: formatTimestampUs(entry.endedAtUs),
    durationMs: (entry.endedAtUs - entry.startedAtUs) / MICROSECONDS_PER_MILLISECOND,
    outcome: entry.outcome,
    errorClass: entry.errorClass,
    errorText: entry.errorText,
    eventsAppended: entry.eventsAppended,
  };
}

/** The entries as a table: step number, name, kind, processor, attempt, start, duration, outcome, error. */
export function journalLines(entries: readonly JournalEntry[]): string[] {
  const rows = entries.map((entry) => {
    const view = journalEntryView(entry);
    return [
      `#${view.stepNumber}`,
      displayText(view.name),
      view.kind,
      view.processor === null ? "-" : displayText(view.processor),
      String(view.attempt),
      view.startedAt,
      durationText(view.durationMs),
      view.outcome,
      errorText(view),
    ];
  });
  const header = ["step", "name", "kind", "processor", "attempt", "started", "duration", "outcome", "error"];
  return tableLines(header, rows);
}

function errorText(view: JournalEntryView): string {
  if (view.errorClass === null && view.errorText === null) return "-";
  const text = (view.errorText ?? "").replace(/\s+/g, " ");
  const shown = text.length > ERROR_TEXT_IN_TABLE_MAX ? `${text.slice(0, ERROR_TEXT_IN_TABLE_MAX)}…` : text;
  return view.errorClass === null ? shown : `${view.errorClass}: ${shown}`;
}
