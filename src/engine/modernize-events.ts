/** Asks a namespace's modernizer for the current body of each outdated event, under one deadline. */

import { LeaseLostError, ProcessorFailedError } from "../core/errors.js";
import type { Content, Event, RequestContext } from "../core/machine.js";
import { decideModernizedContent, needsModernization } from "../core/modernize.js";
import type { Clock } from "../core/time.js";
import type { Modernizer } from "../processors/processor.js";
import { classifyProcessorError, STEP_FINISHED } from "./processor-call.js";

export async function modernizeEvents(
  modernizer: { readonly processor: Modernizer; readonly currentFormatVersion: number },
  history: readonly Event[],
  options: {
    namespace: string;
    machineId: string;
    clock: Clock;
    deadlineUs: number;
    /** The lease's loss stops the modernizer's calls, as a processor call's. */
    leaseLost: AbortSignal;
    context?: RequestContext;
  },
): Promise<{ eventId: number; content: Content }[]> {
  const { namespace, machineId, clock, deadlineUs, leaseLost } = options;
  const updates: { eventId: number; content: Content }[] = [];
  const abort = new AbortController();
  void clock.waitUntil(deadlineUs, abort.signal).then(() => abort.abort());
  const onLeaseLost = () => abort.abort(leaseLost.reason);
  leaseLost.addEventListener("abort", onLeaseLost, { once: true });
  try {
    for (const event of history) {
      if (leaseLost.aborted) throw new LeaseLostError(namespace, machineId);
      if (!needsModernization(event, modernizer.currentFormatVersion)) continue;
      const callOptions = {
        deadlineUs,
        abortSignal: abort.signal,
        ...(options.context ? { context: options.context } : {}),
      };
      const content = await modernizer.processor
        .modernizeEvent({ namespace, machineId, event }, callOptions)
        .catch((thrown: unknown) => {
          const outcome = classifyProcessorError(thrown);
          if (outcome.kind === "transient") throw outcome.error;
          throw new ProcessorFailedError(`modernizer failed: ${outcome.error.message}`);
        });
      const decided = decideModernizedContent(event, content);
      if (decided !== null) updates.push({ eventId: event.id, content: decided });
    }
  } finally {
    leaseLost.removeEventListener("abort", onLeaseLost);
    abort.abort(STEP_FINISHED);
  }
  return updates;
}
