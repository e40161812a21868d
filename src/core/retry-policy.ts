/**
 * Retry policies: when a transiently failed timer or notification step runs again, and when to give up (fail the
 * machine, or pause it for an operator). Pure: the caller passes the attempt count, the elapsed time, what the
 * processor said of its failure (a Retry-After, an error class) and a random number for jitter.
 */
import { InvalidRequestError } from "./errors.js";

export type RetryBackoff =
  /** initialIntervalMs × factor^(attempt−1). */
  | { readonly kind: "exponential"; readonly initialIntervalMs: number; readonly factor: number }
  /** initialIntervalMs + incrementMs × (attempt−1); MG's `linear` is the constant case, incrementMs = 0. */
  | { readonly kind: "linear"; readonly initialIntervalMs: number; readonly incrementMs: number }
  /** The n-th retry waits intervalsMs[n−1]; the list also bounds the number of retries. */
  | { readonly kind: "intervals"; readonly intervalsMs: readonly number[] };

export interface RetryPolicy {
  readonly backoff: RetryBackoff;
  /** Retries after the first failure; absent means unbounded. */
  readonly maxAttempts?: number;
  /** No retry is scheduled later than this long after the first failure; absent means unbounded. */
  readonly maxTotalMs?: number;
  /** Cap on one interval. */
  readonly maxIntervalMs?: number;
  /** Each interval is scaled by a random factor in [1 − jitter, 1 + jitter]; 0..1. */
  readonly jitter?: number;
  /**
   * Error classes no retry can fix: the error's code (`processor_timeout`) or the class its processor gave
   * (`card_expired`). Such a failure exhausts the policy at once.
   */
  readonly nonRetryable?: readonly string[];
  /** What an exhausted policy does: fail the machine (MG's way, and the default) or pause it for an operator. */
  readonly onExhausted?: "fail" | "pause";
}

/** What a processor said of a transient failure, beyond its message. */
export interface FailureHints {
  /** The processor asked not to be called again before this many milliseconds (HTTP Retry-After). */
  readonly retryAfterMs?: number;
  /** The error's classes, for `nonRetryable`: its code and, when the processor gave one, its own class. */
  readonly errorClasses?: readonly string[];
}

/** MG's default for timers: exponential, 100 tries, ×2, 1 s up to 30 min. */
export const DEFAULT_TIMER_RETRY_POLICY: RetryPolicy = Object.freeze({
  backoff: { kind: "exponential" as const, initialIntervalMs: 1000, factor: 2 },
  maxAttempts: 100,
  maxIntervalMs: 30 * 60 * 1000,
});

/** Notifications: MG re-delivers after 5 s; here with backoff, bounded by a day. */
export const DEFAULT_NOTIFICATION_RETRY_POLICY: RetryPolicy = Object.freeze({
  backoff: { kind: "exponential" as const, initialIntervalMs: 1000, factor: 2 },
  maxIntervalMs: 5 * 60 * 1000,
  maxTotalMs: 24 * 60 * 60 * 1000,
});

/** MG's `retries.storage` default: exponential ×2 from 10 ms up to 60 s, unbounded (the lease bounds it here). */
export const DEFAULT_STORAGE_RETRY_POLICY: RetryPolicy = Object.freeze({
  backoff: { kind: "exponential" as const, initialIntervalMs: 10, factor: 2 },
  maxIntervalMs: 60 * 1000,
});

export interface RetryProgress {
  /** Failures so far, including the one just seen (≥ 1). */
  readonly attempt: number;
  /** Milliseconds since the first failure of this series. */
  readonly elapsedMs: number;
}

/**
 * Milliseconds to wait before the next try, or null when the policy is exhausted. A processor's Retry-After makes
 * the wait at least that long (still within `maxTotalMs`); a non-retryable class exhausts the policy.
 */
export function nextRetryDelayMs(
  policy: RetryPolicy,
  progress: RetryProgress,
  random: () => number,
  hints: FailureHints = {},
): number | null {
  const { attempt, elapsedMs } = progress;
  if (hints.errorClasses?.some((errorClass) => policy.nonRetryable?.includes(errorClass))) return null;
  if (policy.maxAttempts !== undefined && attempt > policy.maxAttempts) return null;
  let intervalMs = baseIntervalMs(policy.backoff, attempt);
  if (intervalMs === null) return null;
  if (policy.maxIntervalMs !== undefined) intervalMs = Math.min(intervalMs, policy.maxIntervalMs);
  if (policy.jitter !== undefined && policy.jitter > 0) {
    intervalMs *= 1 + policy.jitter * (2 * random() - 1);
  }
  intervalMs = Math.max(0, Math.round(intervalMs), Math.ceil(hints.retryAfterMs ?? 0));
  if (policy.maxTotalMs !== undefined && elapsedMs + intervalMs > policy.maxTotalMs) return null;
  return intervalMs;
}

function baseIntervalMs(backoff: RetryBackoff, attempt: number): number | null {
  switch (backoff.kind) {
    case "exponential":
      return backoff.initialIntervalMs * backoff.factor ** (attempt - 1);
    case "linear":
      return backoff.initialIntervalMs + backoff.incrementMs * (attempt - 1);
    case "intervals":
      return backoff.intervalsMs[attempt - 1] ?? null;
  }
}

/** Checks a policy that came from configuration; `path` names it in the error. */
export function validateRetryPolicy(policy: RetryPolicy, path: string): RetryPolicy {
  const fail = (field: string, why: string): never => {
    throw new InvalidRequestError(`${path}.${field} ${why}`, `${path}.${field}`);
  };
  const nonNegative = (value: number | undefined, field: string) => {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) fail(field, "must be a number ≥ 0");
  };
  const { backoff } = policy;
  if (backoff.kind === "exponential") {
    nonNegative(backoff.initialIntervalMs, "initialIntervalMs");
    if (!(Number.isFinite(backoff.factor) && backoff.factor >= 1)) fail("factor", "must be a number ≥ 1");
  } else if (backoff.kind === "linear") {
    nonNegative(backoff.initialIntervalMs, "initialIntervalMs");
    nonNegative(backoff.incrementMs, "incrementMs");
  } else if (backoff.kind === "intervals") {
    if (backoff.intervalsMs.length === 0) fail("intervalsMs", "must list at least one interval");
    for (const [index, interval] of backoff.intervalsMs.entries())
      nonNegative(interval, `intervalsMs[${index}]`);
  } else {
    fail("kind", "must be exponential, linear or intervals");
  }
  if (
    policy.maxAttempts !== undefined &&
    !(Number.isSafeInteger(policy.maxAttempts) && policy.maxAttempts >= 0)
  ) {
    fail("maxAttempts", "must be a whole number ≥ 0");
  }
  nonNegative(policy.maxTotalMs, "maxTotalMs");
  nonNegative(policy.maxIntervalMs, "maxIntervalMs");
  if (policy.jitter !== undefined && !(policy.jitter >= 0 && policy.jitter <= 1))
    fail("jitter", "must be within 0..1");
  if (policy.onExhausted !== undefined && policy.onExhausted !== "fail" && policy.onExhausted !== "pause")
    fail("onExhausted", "must be fail or pause");
  if (
    policy.nonRetryable !== undefined &&
    !policy.nonRetryable.every((name) => typeof name === "string" && name !== "")
  )
    fail("nonRetryable", "must list error classes");
  return policy;
}
