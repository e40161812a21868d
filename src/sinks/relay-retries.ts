/**
 * What a relay does when its sink fails a batch (MG's `retries.continuation`, per namespace): each namespace's
 * records follow that namespace's policy over its own series, the failed tries that held its records since the
 * sink last took a batch. A namespace whose policy runs out has its records of the batch parked; the rest is
 * tried again after the shortest of the remaining namespaces' pauses, so no namespace waits longer than its own
 * policy says. Pure: the caller parks and sleeps.
 */
import { failureHintsOf } from "../core/errors.js";
import type { RetryPolicy } from "../core/retry-policy.js";
import { nextRetryDelayMs } from "../core/retry-policy.js";
import { MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import type { StoredOutboxRecord } from "../storage/outbox-store.js";

/** A namespace's failed tries since the sink last took a batch. */
export interface SinkFailureSeries {
  /** Failed tries that held the namespace's records (≥ 1). */
  readonly attempt: number;
  readonly firstFailedAtUs: number;
}

export interface BatchRetry {
  /** Records to park, each with the reason an operator reads. */
  readonly park: readonly { readonly stored: StoredOutboxRecord; readonly reason: string }[];
  /** Pause before the rest of the batch is tried again; null when all of it is parked. */
  readonly delayMs: number | null;
  /** The series by namespace, this failure counted. */
  readonly series: ReadonlyMap<string, SinkFailureSeries>;
}

/** The unbounded exponential backoff of namespaces without a policy: `minMs` doubling up to `maxMs`. */
export function relayBackoffPolicy(minMs: number, maxMs: number): RetryPolicy {
  return { backoff: { kind: "exponential", initialIntervalMs: minMs, factor: 2 }, maxIntervalMs: maxMs };
}

export function batchRetryOf(options: {
  readonly batch: readonly StoredOutboxRecord[];
  /** The series before this failure, by namespace. */
  readonly series: ReadonlyMap<string, SinkFailureSeries>;
  readonly nowUs: number;
  readonly error: Error;
  readonly policyOf: (namespace: string) => RetryPolicy;
  readonly random: () => number;
}): BatchRetry {
  const { batch, error, nowUs } = options;
  const hints = failureHintsOf(error);
  const series = new Map(options.series);
  const delays = new Map<string, number | null>();
  for (const namespace of new Set(batch.map((stored) => stored.record.namespace))) {
    const before = options.series.get(namespace);
    const now = { attempt: (before?.attempt ?? 0) + 1, firstFailedAtUs: before?.firstFailedAtUs ?? nowUs };
    series.set(namespace, now);
    const elapsedMs = (nowUs - now.firstFailedAtUs) / MICROSECONDS_PER_MILLISECOND;
    const progress = { attempt: now.attempt, elapsedMs };
    delays.set(namespace, nextRetryDelayMs(options.policyOf(namespace), progress, options.random, hints));
  }
  const reasonOf = (namespace: string) => {
    const attempt = series.get(namespace)?.attempt ?? 0;
    const failures = attempt === 1 ? "1 failure" : `${attempt} failures`;
    return `retries.continuation of namespace ${JSON.stringify(namespace)} ran out after ${failures}: ${error.message}`;
  };
  const park = batch
    .filter((stored) => delays.get(stored.record.namespace) === null)
    .map((stored) => ({ stored, reason: reasonOf(stored.record.namespace) }));
  const waits = [...delays.values()].filter((delay): delay is number => delay !== null);
  return { park, delayMs: waits.length === 0 ? null : Math.min(...waits), series };
}
