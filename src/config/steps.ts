/**
 * `namespaces.<ns>.steps.<name>` (a Ratchet extension): the settings of a named step, the timer step a processor
 * named when it armed the timer: its processor, its deadline and its retry policy. The retry policy is resolved
 * in step-retries.ts, over the namespace's timer policy; the processor name is checked in references.ts.
 */
import { z } from "zod";
import { isStepName, STEP_NAME_RULE } from "../core/processor-result.js";
import type { StepKind } from "../core/step.js";
import { isMapping } from "./document.js";
import type { RetrySettings } from "./retries.js";
import { retrySettingsSchema } from "./retries.js";
import { describeValue, durationMs, text } from "./values.js";

/** Why `name` is not a step name (core's rule, the one processors' results are checked by), or null. */
export function stepNameProblem(name: unknown): string | null {
  if (typeof name === "string" && isStepName(name)) return null;
  return `must be a step name (${STEP_NAME_RULE}); got ${describeValue(name)}`;
}

/**
 * Unnamed steps are named after their kind; their settings have their own keys, so a `steps.<kind>` entry would
 * say the same thing twice, or (a call's retry) something that never applies.
 */
const KIND_KEYS: Readonly<Record<StepKind, string>> = {
  init: "routes.init and default_processing_timeout",
  call: "routes.call and default_processing_timeout",
  repair: "routes.repair and default_processing_timeout",
  timer: "routes.timer, timer_processing_timeout and retries.timers",
  notification: "routes.notification, notification_processing_timeout and retries.notifications",
};

/** A named step's settings; null where the step takes the namespace's (its kind's) setting. */
export interface StepConfig {
  /** The processor, by name: `processor` for the namespace's own, or one of `processors`. */
  readonly processor: string | null;
  /** Deadline of the step's processor call, ms; null: `timer_processing_timeout`. */
  readonly timeoutMs: number | null;
}

/** A named step as written; `retry` stays unresolved until the namespace's timer policy is known. */
export interface StepDraft extends StepConfig {
  readonly retry: RetrySettings | undefined;
}

const STEP = z
  .strictObject({
    processor: text().optional(),
    timeout: durationMs({ positive: true }).optional(),
    retry: retrySettingsSchema().optional(),
  })
  .transform(
    (step): StepDraft => ({
      processor: step.processor ?? null,
      timeoutMs: step.timeout ?? null,
      retry: step.retry,
    }),
  );

export function stepsSchema() {
  return z
    .record(z.string(), STEP)
    .prefault({})
    .superRefine((steps, context) => {
      for (const name of Object.keys(steps)) {
        const problem = stepNameProblem(name);
        const kindKeys = Object.hasOwn(KIND_KEYS, name) ? KIND_KEYS[name as StepKind] : undefined;
        const message =
          problem ??
          (kindKeys === undefined
            ? null
            : `is a kind of step, not a named step: its settings are ${kindKeys}`);
        if (message !== null) context.addIssue({ code: "custom", path: [name], message });
      }
    }, WHEN_A_MAPPING);
}

/** Names are checked even when a step's settings are bad, so every problem is reported at once. */
const WHEN_A_MAPPING = { when: (payload: { value: unknown }) => isMapping(payload.value) };
