/**
 * One call to a processor, bounded by its deadline and by its lease, and the classification of how it ended: a
 * result, a transient failure (nothing applied, the machine keeps running), a refused repair, or a fatal failure.
 */
import {
  coerceError,
  LeaseLostError,
  ProcessorTimeoutError,
  ProcessorUnavailableError,
  RepairFailedError,
} from "../core/errors.js";
import type { RequestContext } from "../core/machine.js";
import type { StepResult } from "../core/processor-result.js";
import { alarmAt, type Clock } from "../core/time.js";
import type { Processor, ProcessorRequest, StepAttempt } from "../processors/processor.js";

/** Reason given when a finished call stops its deadline wait; one shared value, since creating one per step
 * (a DOMException) cost ~5% of the CPU of a call in profiles. */
export const STEP_FINISHED = Object.freeze(new Error("the step finished"));

export type ProcessorOutcome =
  | { readonly kind: "result"; readonly result: StepResult }
  | { readonly kind: "transient"; readonly error: Error }
  | { readonly kind: "repair_failed"; readonly error: RepairFailedError }
  | { readonly kind: "fatal"; readonly error: Error };

export interface ProcessorCallOptions {
  readonly deadlineUs: number;
  /** Aborted when the step's lease is lost: the call stops at once and the step ends as transient. */
  readonly leaseLost: AbortSignal;
  readonly context?: RequestContext;
  readonly stepName?: string;
  readonly attempt?: StepAttempt;
}

export async function callProcessor(
  clock: Clock,
  processor: Processor,
  request: ProcessorRequest,
  options: ProcessorCallOptions,
): Promise<ProcessorOutcome> {
  if (clock.nowUs() >= options.deadlineUs) {
    return {
      kind: "transient",
      error: new ProcessorUnavailableError("the step's deadline passed before the call"),
    };
  }
  if (options.leaseLost.aborted) return leaseLostOutcome(request);
  const abort = new LazyAbort();
  let onLeaseLost = () => {};
  let cancelDeadline = () => {};
  const ended = new Promise<"deadline" | "lease lost">((resolve) => {
    onLeaseLost = () => resolve("lease lost");
    cancelDeadline = alarmAt(clock, options.deadlineUs, () => resolve("deadline"));
  });
  // Removed when the call ends: one lease carries up to thousands of chained steps.
  options.leaseLost.addEventListener("abort", onLeaseLost, { once: true });
  try {
    const call = processor.process(request, {
      deadlineUs: options.deadlineUs,
      get abortSignal() {
        return abort.signal;
      },
      ...(options.context === undefined ? {} : { context: options.context }),
      ...(options.stepName === undefined ? {} : { stepName: options.stepName }),
      ...(options.attempt === undefined ? {} : { attempt: options.attempt }),
    });
    // A processor that never answers must not hold the machine forever, nor run on after another node could
    // claim the machine: the deadline (which ends before the lease can) or the lease's loss ends the step.
    const winner = await Promise.race([call, ended]);
    if (winner === "deadline" || winner === "lease lost") {
      call.catch(() => {}); // its late answer or failure is of no use any more
      if (winner === "lease lost") return leaseLostOutcome(request);
      return {
        kind: "transient",
        error: new ProcessorTimeoutError("the processor did not answer before the deadline"),
      };
    }
    return { kind: "result", result: winner };
  } catch (thrown) {
    return classifyProcessorError(thrown);
  } finally {
    options.leaseLost.removeEventListener("abort", onLeaseLost);
    cancelDeadline();
    abort.abort(STEP_FINISHED);
  }
}

/**
 * The processor's abort signal, made only when the processor reads it: many local processors never do, and an
 * AbortController with its abort event cost more than the rest of the call's bookkeeping. Read after the call
 * ended, it is already aborted.
 */
class LazyAbort {
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

function leaseLostOutcome(request: ProcessorRequest): ProcessorOutcome {
  return { kind: "transient", error: new LeaseLostError(request.machine.namespace, request.machine.id) };
}

export function classifyProcessorError(thrown: unknown): Exclude<ProcessorOutcome, { kind: "result" }> {
  if (thrown instanceof RepairFailedError) return { kind: "repair_failed", error: thrown };
  if (thrown instanceof ProcessorUnavailableError || thrown instanceof ProcessorTimeoutError) {
    return { kind: "transient", error: thrown };
  }
  return { kind: "fatal", error: coerceError(thrown) };
}
