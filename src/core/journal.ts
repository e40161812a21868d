/**
 * The step journal: which step ran on a machine, on which processor, for how long, with which outcome. A step
 * that commits is recorded in its own commit; an attempt that ended without one (a transient error of a call, a
 * lost lease, a refused commit) is recorded with the next commit of that machine by the same node. Read by
 * operators, and folded into the flow (core/flow.ts).
 */
import type { StepKind } from "./step.js";

/** Kinds of steps that call no processor, journaled beside the processor's. */
export type OperatorStepKind = "simple_repair" | "remove" | "modernize" | "pause" | "resume" | "retry_now";

export type JournalKind = StepKind | OperatorStepKind;

export type JournalOutcome =
  /** The step's result (or the failure it caused) was committed. */
  | "committed"
  /** The processor failed transiently; a timer step committed its retry, a call's caller got the error. */
  | "transient_error"
  /** The processor failed fatally (or broke the contract); the machine failed with the reason. */
  | "fatal_error"
  /** The node lost the machine's lease before the step could commit. */
  | "lease_lost"
  /** The commit was refused: storage would not hold the step, or the node was overloaded or closing. */
  | "refused";

export interface JournalEntry {
  /** 1, 2, 3, … per machine, in the order the steps were recorded. */
  readonly stepNumber: number;
  readonly kind: JournalKind;
  /** The step's name: the one its timer carried, else its kind. */
  readonly name: string;
  /** The processor the step went to (its name in the namespace), or null when none was called. */
  readonly processor: string | null;
  /** 1 for a first try; a timer retry's or a notification's delivery attempt beyond it. */
  readonly attempt: number;
  readonly startedAtUs: number;
  readonly endedAtUs: number;
  readonly outcome: JournalOutcome;
  /** The error's code (`processor_unavailable`) when the step did not succeed; null otherwise. */
  readonly errorClass: string | null;
  readonly errorText: string | null;
  /** Events the step appended (0 unless it committed). */
  readonly eventsAppended: number;
}

/** An entry before its number is given, at its commit. */
export type JournalDraft = Omit<JournalEntry, "stepNumber">;

/** Error text kept in the journal: enough to read, bounded so one chatty processor cannot bloat a table. */
export const JOURNAL_ERROR_TEXT_MAX = 2000;

export function boundedErrorText(text: string | null): string | null {
  if (text === null || text.length <= JOURNAL_ERROR_TEXT_MAX) return text;
  return `${text.slice(0, JOURNAL_ERROR_TEXT_MAX)}…`;
}

/** Numbers drafts after the machine's last recorded step. */
export function numberEntries(drafts: readonly JournalDraft[], lastStepNumber: number): JournalEntry[] {
  return drafts.map((draft, index) => ({ ...draft, stepNumber: lastStepNumber + index + 1 }));
}
