/**
 * `retries.<kind>` in MG's shapes, converted into core RetryPolicy values. As in MG's `to_retry_policy`, the
 * keys given in YAML are laid over the kind's defaults key by key, and then the `type` decides which keys count.
 * The policies of steps (`default`, `timers`, `notifications`, `steps.<name>.retry`) are laid over each other by
 * step-retries.ts; `storage`, `processor` and `continuation` each lie over MG's default alone.
 */
import { z } from "zod";
import { coerceError } from "../core/errors.js";
import type { RetryPolicy } from "../core/retry-policy.js";
import { validateRetryPolicy } from "../core/retry-policy.js";
import { durationMs, integer, number, oneOf, text } from "./values.js";

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
  /** A Ratchet extension: error classes no retry can fix (an error code, or a class the processor gave). */
  non_retryable: z.array(text()).optional(),
  /** A Ratchet extension: what an exhausted policy of a step does to its machine. */
  on_exhausted: oneOf(["fail", "pause"]).optional(),
});

/** One policy's keys as written, before they are laid over the keys beneath them. */
export type RetrySettings = z.output<typeof RETRY_SETTINGS>;

/** The schema of one policy's keys, unresolved: namespace.ts lays them over what lies beneath (step-retries.ts). */
export function retrySettingsSchema() {
  return RETRY_SETTINGS;
}

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
} as const satisfies Record<string, z.input<typeof RETRY_SETTINGS>>;

/** MG's defaults of the two kinds of step that retry, as settings, for step-retries.ts to lay keys over. */
export const STEP_RETRY_DEFAULTS: Readonly<Record<"timers" | "notifications", RetrySettings>> = {
  timers: RETRY_SETTINGS.parse(RETRY_DEFAULTS.timers),
  notifications: RETRY_SETTINGS.parse(RETRY_DEFAULTS.notifications),
};

/** One layer of a policy: its keys, and where they were written (relative to the issue context); none for MG's. */
export interface RetryLayer {
  readonly settings: RetrySettings;
  readonly path?: readonly PropertyKey[];
}

/**
 * Lays the layers' keys over each other, nearest (last) winning key by key, then lets `type` decide which keys
 * count, as MG does. A missing key is reported at the layer that chose the type, so the operator sees the key
 * that asked for it; any other problem at the nearest layer written.
 */
export function resolveRetryPolicy(
  layers: readonly RetryLayer[],
  context: z.core.$RefinementCtx<unknown>,
): RetryPolicy {
  const settings: RetrySettings = Object.assign({}, ...layers.map((layer) => layer.settings));
  const written = layers.filter((layer) => layer.path !== undefined);
  const nearest = written.at(-1)?.path ?? [];
  const typed = layers.findLast((layer) => layer.settings.type !== undefined);
  const typePath = typed?.path ?? nearest;
  const issue = (path: readonly PropertyKey[], message: string) =>
    context.addIssue({ code: "custom", path: [...path], message });
  if (settings.type === undefined) {
    issue(nearest, "needs a type: exponential, linear or intervals");
    return z.NEVER as never;
  }
  const missing = requiredKeys(settings).filter((key) => settings[key] === undefined);
  for (const key of missing) issue([...typePath, key], `is required for type ${settings.type}`);
  if (missing.length > 0) return z.NEVER as never;
  try {
    // A pair check: core's own validation must accept whatever this schema let through.
    return validateRetryPolicy(toRetryPolicy(settings), "policy");
  } catch (error) {
    issue(nearest, coerceError(error).message);
    return z.NEVER as never;
  }
}

/**
 * The schema of one policy over the given defaults, written as YAML would write them. `haltsMachine: false` for a
 * policy that is not a step's (storage, processor, continuation): `on_exhausted` has no machine to act on there.
 */
export function retryPolicySchema(
  defaults: z.input<typeof RETRY_SETTINGS>,
  options: { haltsMachine?: boolean } = {},
) {
  const parsedDefaults = RETRY_SETTINGS.parse(defaults);
  return RETRY_SETTINGS.transform((given, context): RetryPolicy => {
    if (options.haltsMachine === false && given.on_exhausted !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["on_exhausted"],
        message:
          "applies only to the retry policies of steps (default, timers, notifications, steps.<name>.retry)",
      });
    }
    return resolveRetryPolicy([{ settings: parsedDefaults }, { settings: given, path: [] }], context);
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
  const halting = {
    ...(settings.non_retryable === undefined ? {} : { nonRetryable: settings.non_retryable }),
    ...(settings.on_exhausted === undefined ? {} : { onExhausted: settings.on_exhausted }),
  };
  if (settings.type === "intervals") {
    // genlib's intervals policy is bounded by its list; MG reads no max_retries for it.
    const backoff = { kind: "intervals" as const, intervalsMs: settings.timeouts! };
    return { backoff, ...totalOf(totals), ...halting };
  }
  const maxRetries = settings.max_retries!;
  if (typeof maxRetries === "object") totals.push(maxRetries.max_total_timeout);
  const attempts = typeof maxRetries === "number" ? { maxAttempts: maxRetries } : {};
  const bounds = { ...attempts, ...totalOf(totals) };
  const jitter = settings.jitter === undefined ? {} : { jitter: settings.jitter };
  const initialIntervalMs = settings.timeout!;
  if (settings.type === "linear") {
    // genlib's linear policy waits the same interval every time, so factor and max_timeout do not apply.
    const backoff = { kind: "linear" as const, initialIntervalMs, incrementMs: 0 };
    return { backoff, ...bounds, ...jitter, ...halting };
  }
  const backoff = { kind: "exponential" as const, initialIntervalMs, factor: settings.factor! };
  const maxIntervalMs = settings.max_timeout ?? Number.POSITIVE_INFINITY;
  const cap = Number.isFinite(maxIntervalMs) ? { maxIntervalMs } : {};
  return { backoff, ...bounds, ...cap, ...jitter, ...halting };
}

/** The tightest of the given total-time bounds (`timecap`, `max_total_timeout`); none when all are unbounded. */
function totalOf(totalsMs: readonly (number | undefined)[]): { maxTotalMs?: number } {
  const finite = totalsMs.filter((total): total is number => total !== undefined && Number.isFinite(total));
  return finite.length === 0 ? {} : { maxTotalMs: Math.min(...finite) };
}

export interface NamespaceRetries {
  /**
   * A step's storage operations that fail transiently (MG: exponential ×2, 10 ms → 60 s, unbounded); handed to
   * the engine as `storageRetryPolicy`.
   */
  readonly storage: RetryPolicy;
  /** Timer steps that fail transiently: `timers` over `default` over MG's (exponential ×2, 1 s → 30 min, 100 tries). */
  readonly timers: RetryPolicy;
  /** Processor calls (MG: exponential ×2, 10 ms → 60 s, for at most a day); MG itself never reads it, nor Ratchet. */
  readonly processor: RetryPolicy;
  /**
   * Publishing the namespace's records to its sinks (MG: the continuation of a committed step): the relay's pause
   * between tries, and when a bounded policy runs out the records are parked. Null when not given: the relay's
   * own backoff (core RELAY_DEFAULTS), unbounded.
   */
  readonly continuation: RetryPolicy | null;
  /** Ratchet extension: notification deliveries, `notifications` over `default` over Ratchet's (exponential ×2, 1 s → 5 min, a day). */
  readonly notifications: RetryPolicy;
}

/** `retries` as written: the policies of steps stay unresolved until step-retries.ts lays them over each other. */
export interface RetriesDraft {
  readonly storage: RetryPolicy;
  readonly processor: RetryPolicy;
  readonly continuation: RetryPolicy | null;
  readonly default: RetrySettings | undefined;
  readonly timers: RetrySettings | undefined;
  readonly notifications: RetrySettings | undefined;
}

export function retriesSchema() {
  const notOfAStep = { haltsMachine: false };
  return z
    .strictObject({
      storage: retryPolicySchema(RETRY_DEFAULTS.storage, notOfAStep).prefault({}),
      timers: RETRY_SETTINGS.optional(),
      processor: retryPolicySchema(RETRY_DEFAULTS.processor, notOfAStep).prefault({}),
      continuation: retryPolicySchema(RETRY_DEFAULTS.continuation, notOfAStep).optional(),
      notifications: RETRY_SETTINGS.optional(),
      default: RETRY_SETTINGS.optional(),
    })
    .prefault({})
    .transform(
      (retries): RetriesDraft => ({
        storage: retries.storage,
        processor: retries.processor,
        continuation: retries.continuation ?? null,
        default: retries.default,
        timers: retries.timers,
        notifications: retries.notifications,
      }),
    );
}
