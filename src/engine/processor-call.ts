/**
 * One call to a processor, bounded by its deadline, and the classification of how it ended: a result, a
 * transient failure (nothing applied, the machine keeps running), a refused repair, or a fatal failure.
 */
import {
  coerceError,
  ProcessorTimeoutError,
  ProcessorUnavailableError,
  RepairFailedError,
} from "../core/errors.js";
import type { RequestContext } from "../core/machine.js";
import type { StepResult } from "../core/processor-result.js";
import type { Clock } from "../core/time.js";
import type { Processor, ProcessorRequest } from "../processors/processor.js";

/** Reason given when a finished call stops its deadline wait; one shared value, since creating one per step
 * (a DOMException) cost ~5% of the CPU of a call in profiles. */
export const STEP_FINISHED = Object.freeze(new Error("the step finished"));

export type ProcessorOutcome =
  | { readonly kind: "result"; readonly result: StepResult }
  | { readonly kind: "transient"; readonly error: Error }
  | { readonly kind: "repair_failed"; readonly error: RepairFailedError }
  | { readonly kind: "fatal"; readonly error: Error };

export async function callProcessor(
  clock: Clock,
  processor: Processor,
  request: ProcessorRequest,
  options: { deadlineUs: number; context?: RequestContext },
): Promise<ProcessorOutcome> {
  if (clock.nowUs() >= options.deadlineUs) {
    return {
      kind: "transient",
      error: new ProcessorUnavailableError("the step's deadline passed before the call"),
    };
  }
  const abort = new AbortController();
  const deadlinePassed = clock.waitUntil(options.deadlineUs, abort.signal).then(() => "deadline" as const);
  try {
    const call = processor.process(request, {
      deadlineUs: options.deadlineUs,
      signal: abort.signal,
      ...(options.context === undefined ? {} : { context: options.context }),
    });
    // A processor that never answers must not hold the machine forever: the deadline ends the step.
    const winner = await Promise.race([call, deadlinePassed]);
    if (winner === "deadline") {
      call.catch(() => {}); // its late answer or failure is of no use any more
      return {
        kind: "transient",
        error: new ProcessorTimeoutError("the processor did not answer before the deadline"),
      };
    }
    return { kind: "result", result: winner };
  } catch (thrown) {
    return classifyProcessorError(thrown);
  } finally {
    abort.abort(STEP_FINISHED);
  }
}

export function classifyProcessorError(thrown: unknown): Exclude<ProcessorOutcome, { kind: "result" }> {
  if (thrown instanceof RepairFailedError) return { kind: "repair_failed", error: thrown };
  if (thrown instanceof ProcessorUnavailableError || thrown instanceof ProcessorTimeoutError) {
    return { kind: "transient", error: thrown };
  }
  return { kind: "fatal", error: coerceError(thrown) };
}
