/**
 * `retries.<kind>` in MG's shapes, converted into core RetryPolicy values. As in MG's `to_retry_policy`, the
 * keys given in YAML are laid over the kind's defaults key by key, and then the `type` decides which keys count.
 */
import { z } from "zod";
import { coerceError } from "../core/errors.js";
import type { RetryPolicy } from "../core/retry-policy.js";
import { validateRetryPolicy } from "../core/retry-policy.js";
import { durationMs, integer, number, oneOf, reject } from "./values.js";

/** `max_retries`: a count, `infinity`, or `{max_total_timeout: DURATION}`. */
function maxRetries() {
  return z.union([
    integer({ min: 0 }),
    z.literal("infinity"),
    z.strictObject({ max_total_timeout: durationMs({ infinity: true }) }),
  ]);
}

/** One policy as YAML writes it; durations already in milliseconds, `infinity` as `Infinity`. */
const RETRY_SETTINGS = z.strictObject({
  type: oneOf(["exponential", "linear", "intervals"]).optional(),
  max_retries: maxRetries().optional(),
  factor: number({ min: 1 }).optional(),
  timeout: durationMs().optional(),
  max_timeout: durationMs({ infinity: true }).optional(),
  timecap: durationMs({ infinity: true }).optional(),
  timeouts: z.array(durationMs()).min(1).optional(),
  /** A Ratchet extension: each interval is scaled by a random factor in [1 − jitter, 1 + jitter]. */
  jitter: number({ min: 0, max: 1 }).optional(),
});

type RetrySettings = z.output<typeof RETRY_SETTINGS>;

/** MG's defaults (`configurator.escript`), plus Ratchet's for notifications, which MG does not retry by policy. */
export const RETRY_DEFAULTS = {
  storage: { type: "exponential", max_retries: "infinity", factor: 2, timeout: "10ms", max_timeout: "60s" },
  timers: { type: "exponential", max_retries: 100, factor: 2, timeout: "1s", max_timeout: "30m" },
  processor: {
    type: "exponential",
    max_retries: { max_total_timeout: "1d" },
    factor: 2,
    timeout: "10ms",
    max_timeout: "60s",
  },
  continuation: {
    type: "exponential",
    max_retries: "infinity",
    factor: 2,
    timeout: "10ms",
    max_timeout: "60s",
  },
  notifications: {
    type: "exponential",
    max_retries: { max_total_timeout: "1d" },
    factor: 2,
    timeout: "1s",
    max_timeout: "5m",
  },
} as const;

/** The schema of one policy over the given defaults, written as YAML would write them. */
export function retryPolicySchema(defaults: z.input<typeof RETRY_SETTINGS>) {
  const parsedDefaults = RETRY_SETTINGS.parse(defaults);
  return RETRY_SETTINGS.transform((given, context): RetryPolicy => {
    const settings: RetrySettings = { ...parsedDefaults, ...given };
    const missing = requiredKeys(settings).filter((key) => settings[key] === undefined);
    for (const key of missing) {
      context.addIssue({ code: "custom", path: [key], message: `is required for type ${settings.type}` });
    }
    if (settings.type === undefined) return reject(context, "needs a type: exponential, linear or intervals");
    if (missing.length > 0) return z.NEVER as never;
    try {
      // A pair check: core's own validation must accept whatever this schema let through.
      return validateRetryPolicy(toRetryPolicy(settings), "policy");
    } catch (error) {
      return reject(context, coerceError(error).message);
    }
  });
}

function requiredKeys(settings: RetrySettings): (keyof RetrySettings)[] {
  switch (settings.type) {
    case "exponential":
      return ["max_retries", "factor", "timeout"];
    case "linear":
      return ["max_retries", "timeout"];
    case "intervals":
      return ["timeouts"];
    case undefined:
      return [];
  }
}

/** Converts settings whose required keys are present; see `requiredKeys`. */
function toRetryPolicy(settings: RetrySettings): RetryPolicy {
  const totals = [settings.timecap];
  if (settings.type === "intervals") {
    // genlib's intervals policy is bounded by its list; MG reads no max_retries for it.
    return { backoff: { kind: "intervals", intervalsMs: settings.timeouts! }, ...totalOf(totals) };
  }
  const maxRetries = settings.max_retries!;
  if (typeof maxRetries === "object") totals.push(maxRetries.max_total_timeout);
  const attempts = typeof maxRetries === "number" ? { maxAttempts: maxRetries } : {};
  const bounds = { ...attempts, ...totalOf(totals) };
  const jitter = settings.jitter === undefined ? {} : { jitter: settings.jitter };
  const initialIntervalMs = settings.timeout!;
  if (settings.type === "linear") {
    // genlib's linear policy waits the same interval every time, so factor and max_timeout do not apply.
    return { backoff: { kind: "linear", initialIntervalMs, incrementMs: 0 }, ...bounds, ...jitter };
  }
  const backoff = { kind: "exponential" as const, initialIntervalMs, factor: settings.factor! };
  const maxIntervalMs = settings.max_timeout ?? Number.POSITIVE_INFINITY;
  const cap = Number.isFinite(maxIntervalMs) ? { maxIntervalMs } : {};
  return { backoff, ...bounds, ...cap, ...jitter };
}

/** The tightest of the given total-time bounds (`timecap`, `max_total_timeout`); none when all are unbounded. */
function totalOf(totalsMs: readonly (number | undefined)[]): { maxTotalMs?: number } {
  const finite = totalsMs.filter((total): total is number => total !== undefined && Number.isFinite(total));
  return finite.length === 0 ? {} : { maxTotalMs: Math.min(...finite) };
}

export interface NamespaceRetries {
  /** Storage operations that fail transiently (MG: exponential ×2, 10 ms → 60 s, unbounded). */
  readonly storage: RetryPolicy;
  /** Timer steps that fail transiently (MG: exponential ×2, 1 s → 30 min, 100 tries). */
  readonly timers: RetryPolicy;
  /** Processor calls (MG: exponential ×2, 10 ms → 60 s, for at most a day; MG itself never reads it). */
  readonly processor: RetryPolicy;
  /** Follow-ups of a committed step, such as publishing to sinks (MG: as storage). */
  readonly continuation: RetryPolicy;
  /** Ratchet extension: notification deliveries (exponential ×2, 1 s → 5 min, for at most a day). */
  readonly notifications: RetryPolicy;
}

export function retriesSchema() {
  return z
    .strictObject({
      storage: retryPolicySchema(RETRY_DEFAULTS.storage).prefault({}),
      timers: retryPolicySchema(RETRY_DEFAULTS.timers).prefault({}),
      processor: retryPolicySchema(RETRY_DEFAULTS.processor).prefault({}),
      continuation: retryPolicySchema(RETRY_DEFAULTS.continuation).prefault({}),
      notifications: retryPolicySchema(RETRY_DEFAULTS.notifications).prefault({}),
    })
    .prefault({});
}
