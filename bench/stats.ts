/** Pure figures over samples: percentiles of sorted latencies, rounding for print. */

/** The value at `fraction` (0.5, 0.99) of an ascending list; NaN for an empty one. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] as number;
}

/** p50, p99 and max of unsorted samples (sorted in place: callers hand over a list they no longer need). */
export function latencySummary(samples: number[]): { p50: number; p99: number; max: number } {
  samples.sort((left, right) => left - right);
  return {
    p50: percentile(samples, 0.5),
    p99: percentile(samples, 0.99),
    max: samples.length === 0 ? Number.NaN : (samples[samples.length - 1] as number),
  };
}

export function round(value: number, digits = 0): number {
  return Number(value.toFixed(digits));
}
