/**
 * The engine's one observation hook: what logs, traces and latency histograms see of the steps this node runs,
 * their processor calls, the group commits and lease takeovers. The engine calls it only when one is given, and
 * builds each observation from values the step already holds, so a node without an observer pays a null check.
 * An observer must not throw and must not block: it runs inline on the hot path.
 */
import type { JournalKind, JournalOutcome } from "../core/journal.js";
import type { RequestContext } from "../core/machine.js";

/** A step beginning on this node, under its machine's lease. */
export interface StepStart {
  readonly namespace: string;
  readonly machineId: string;
  readonly kind: JournalKind;
  /** The step's name: the one its timer carried, else its kind. */
  readonly name: string;
  readonly attempt: number;
  readonly startedAtUs: number;
  /** The request's context (woody's trace ids, a W3C `traceparent`), or the one stored with the timer. */
  readonly context: RequestContext | undefined;
}

/**
 * How a step ended: the journal's outcomes; `error` for a failure after the processor call that the journal does
 * not class (an unknown commit outcome, a passed deadline); `skipped` when the step neither called its processor
 * nor committed (a timer no longer due, a request refused before any work).
 */
export type StepEndOutcome = JournalOutcome | "error" | "skipped";

export interface StepEnd {
  readonly endedAtUs: number;
  readonly outcome: StepEndOutcome;
  /** The processor called, by its name in the namespace; null when none was. */
  readonly processor: string | null;
  /** The error's code (or class name) when the step did not succeed. */
  readonly errorClass: string | null;
}

export interface ProcessorAnswer {
  readonly endedAtUs: number;
  readonly outcome: "ok" | "error";
  readonly errorClass: string | null;
}

/**
 * Follows one step from its start to its end, in this order: at most one processor call, then a commit (twice when
 * storage refused the step alone and the machine's failure is committed instead), then the end, exactly once.
 */
export interface StepWatch {
  /**
   * The processor `processor` is called now; returns the context to send it with instead of the step's (one that
   * carries this call's trace), or undefined to send the step's own.
   */
  processorCalling(processor: string, atUs: number): RequestContext | undefined;
  processorAnswered(answer: ProcessorAnswer): void;
  committing(atUs: number): void;
  committed(atUs: number, error: Error | null): void;
  stepEnded(end: StepEnd): void;
}

/** One group-commit transaction. */
export interface CommitFlush {
  readonly steps: number;
  readonly startedAtUs: number;
  readonly endedAtUs: number;
  readonly ok: boolean;
}

export interface EngineObserver {
  /** A step begins; the watch it returns follows it (null: nothing to follow). */
  stepStarted(start: StepStart): StepWatch | null;
  /** A due timer (or timer retry) is run `firedAtUs - dueAtUs` after its due time. */
  timerFired(timer: { namespace: string; machineId: string; dueAtUs: number; firedAtUs: number }): void;
  commitFlushed(flush: CommitFlush): void;
  /** This node took a machine whose lease another owner held and let expire. */
  leaseTakenOver(lease: { namespace: string; machineId: string; previousOwner: string }): void;
}
