/**
 * The retry policies of a namespace's steps, nearest wins key by key: a named step's `retry` over
 * `retries.timers` over `retries.default` over MG's defaults of the kind; `retries.notifications` over
 * `retries.default` over Ratchet's notification defaults. Nothing written: MG's defaults, exactly.
 */
import type { z } from "zod";
import type { RetryPolicy } from "../core/retry-policy.js";
import type { RetriesDraft, RetryLayer, RetrySettings } from "./retries.js";
import { resolveRetryPolicy, STEP_RETRY_DEFAULTS } from "./retries.js";

/** The policies of the steps that retry: per kind, and per named step that writes a `retry`. */
export interface StepRetryPolicies {
  readonly timers: RetryPolicy;
  readonly notifications: RetryPolicy;
  /** By step name; a step without `retry` is absent, and retries under `timers`. */
  readonly steps: Readonly<Record<string, RetryPolicy>>;
}

/** Resolves the policies; problems are added to `context` at the path of the layer that caused them. */
export function resolveStepRetries(
  retries: RetriesDraft,
  steps: Readonly<Record<string, { readonly retry: RetrySettings | undefined }>>,
  context: z.core.$RefinementCtx<unknown>,
): StepRetryPolicies {
  const written = (settings: RetrySettings | undefined, path: readonly PropertyKey[]): RetryLayer[] =>
    settings === undefined ? [] : [{ settings, path }];
  const namespaceWide = written(retries.default, ["retries", "default"]);
  const timerLayers: RetryLayer[] = [
    { settings: STEP_RETRY_DEFAULTS.timers },
    ...namespaceWide,
    ...written(retries.timers, ["retries", "timers"]),
  ];
  const notificationLayers: RetryLayer[] = [
    { settings: STEP_RETRY_DEFAULTS.notifications },
    ...namespaceWide,
    ...written(retries.notifications, ["retries", "notifications"]),
  ];
  const named = Object.entries(steps).flatMap(([name, step]) =>
    step.retry === undefined
      ? []
      : [
          [
            name,
            resolveRetryPolicy([...timerLayers, ...written(step.retry, ["steps", name, "retry"])], context),
          ],
        ],
  );
  return {
    timers: resolveRetryPolicy(timerLayers, context),
    notifications: resolveRetryPolicy(notificationLayers, context),
    steps: Object.fromEntries(named),
  };
}
