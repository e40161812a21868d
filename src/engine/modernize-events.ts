/** Asks a namespace's modernizer for the current body of each outdated event, under one deadline. */

import { ProcessorFailedError } from "../core/errors.js";
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
    context?: RequestContext;
  },
): Promise<{ eventId: number; content: Content }[]> {
  const { namespace, machineId, clock, deadlineUs } = options;
  const updates: { eventId: number; content: Content }[] = [];
  const abort = new AbortController();
  void clock.waitUntil(deadlineUs, abort.signal).then(() => abort.abort());
  try {
    for (const event of history) {
      if (!needsModernization(event, modernizer.currentFormatVersion)) continue;
      const callOptions = {
        deadlineUs,
        signal: abort.signal,
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
    abort.abort(STEP_FINISHED);
  }
  return updates;
}
