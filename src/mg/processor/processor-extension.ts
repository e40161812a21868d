/**
 * Ratchet's optional extension of MG's processor protocol, in HTTP headers of the processor's answer, which an MG
 * processor never sends and an MG client never reads:
 *
 * - `ratchet-next-step: NAME` on a result that sets a timer names the step that timer runs (its processor,
 *   deadline and retry policy come from `namespaces.<ns>.steps.NAME`); ignored on a result that sets none.
 * - On a 503 or 504 answer: `Retry-After` (seconds, or an HTTP date) asks not to be called again before then,
 *   and `ratchet-error-class: CLASS` names the failure for a retry policy's `non_retryable` list.
 */
import { ProcessorResultInvalidError } from "../../core/errors.js";
import type { StepResult } from "../../core/processor-result.js";
import { isStepName, STEP_NAME_RULE } from "../../core/processor-result.js";

export const RATCHET_HEADER = Object.freeze({
  NEXT_STEP: "ratchet-next-step",
  ERROR_CLASS: "ratchet-error-class",
  RETRY_AFTER: "retry-after",
});

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** An error class: short, printable; anything else is ignored, as an unknown header would be. */
const ERROR_CLASS_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The result with the step its timer runs, as the answer's `ratchet-next-step` names it. */
export function withNextStep(result: StepResult, headers: Headers): StepResult {
  const step = single(headers, RATCHET_HEADER.NEXT_STEP);
  if (step === undefined || result.timer.kind !== "set") return result;
  if (!isStepName(step)) {
    throw new ProcessorResultInvalidError(
      `processor result is invalid: ${RATCHET_HEADER.NEXT_STEP} ${JSON.stringify(step)} is not a step name (${STEP_NAME_RULE})`,
    );
  }
  return { ...result, timer: { ...result.timer, step } };
}

/** What a failed answer's headers add to its error: a Retry-After in ms and the processor's error class. */
export function failureHeadersOf(
  headers: Headers | undefined,
  nowMs: number,
): { retryAfterMs?: number; processorErrorClass?: string } {
  if (headers === undefined) return {};
  const retryAfterMs = parseRetryAfterMs(single(headers, RATCHET_HEADER.RETRY_AFTER), nowMs);
  const errorClass = single(headers, RATCHET_HEADER.ERROR_CLASS);
  return {
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(errorClass !== undefined && ERROR_CLASS_PATTERN.test(errorClass)
      ? { processorErrorClass: errorClass }
      : {}),
  };
}

/** RFC 9110 §10.2.3: delay-seconds or an HTTP date; a value that is neither is ignored. */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const dateMs = Date.parse(text);
  if (!/[A-Za-z]/.test(text) || Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowMs);
}

function single(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
