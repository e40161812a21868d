/**
 * `retries.<kind>` becomes the core RetryPolicy MG would have built: a port of MG's `retry_policy_test_` and
 * `retry_policy_failure_test_` (YAML over a defaults map), MG's per-kind defaults checked against core, and each
 * shape and `max_retries` variant, `timecap` and `jitter` mapped field by field.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { toConfigIssues } from "../../src/config/issues.js";
import { RETRY_DEFAULTS, retryPolicySchema } from "../../src/config/retries.js";
import type { RetryPolicy } from "../../src/core/retry-policy.js";
import {
  DEFAULT_NOTIFICATION_RETRY_POLICY,
  DEFAULT_TIMER_RETRY_POLICY,
} from "../../src/core/retry-policy.js";

type Defaults = Parameters<typeof retryPolicySchema>[0];

function policy(yaml: string, defaults: Defaults = {}): RetryPolicy {
  const result = retryPolicySchema(defaults).safeParse(parse(yaml) ?? {}, { reportInput: true });
  assert.ok(result.success, result.success ? "" : JSON.stringify(toConfigIssues(result.error.issues)));
  return result.data;
}

function problems(input: unknown, defaults: Defaults = {}): string[] {
  const result = retryPolicySchema(defaults).safeParse(input, { reportInput: true });
  assert.ok(!result.success, "expected the policy to be refused");
  return toConfigIssues(result.error.issues).map((issue) =>
    issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`,
  );
}

const HOUR_MS = 60 * 60 * 1000;

test("MG case 1: nothing given, the defaults map alone (exponential, 10 tries, ×2, 10 ms → 60 s)", () => {
  const defaults = {
    type: "exponential",
    max_retries: 10,
    factor: 2,
    timeout: "10ms",
    max_timeout: "60s",
  } as const;
  assert.deepEqual(policy("", defaults), {
    backoff: { kind: "exponential", initialIntervalMs: 10, factor: 2 },
    maxAttempts: 10,
    maxIntervalMs: 60_000,
  });
});

test("MG case 2: given keys win over the defaults key by key", () => {
  const yaml = "type: exponential\nmax_retries: 100\nfactor: 3\ntimeout: 10ms\nmax_timeout: 60s";
  assert.deepEqual(policy(yaml, { factor: 2, timeout: "1d", max_retries: 10 }), {
    backoff: { kind: "exponential", initialIntervalMs: 10, factor: 3 },
    maxAttempts: 100,
    maxIntervalMs: 60_000,
  });
});

test("MG case 3: max_retries {max_total_timeout} bounds the total time; factor comes from the defaults", () => {
  const yaml = "type: exponential\ntimeout: 10s\nmax_retries:\n  max_total_timeout: 1h";
  assert.deepEqual(policy(yaml, { type: "linear", factor: 2, max_retries: 10 }), {
    backoff: { kind: "exponential", initialIntervalMs: 10_000, factor: 2 },
    maxTotalMs: HOUR_MS,
  });
});

test("MG case 4: linear is a constant interval (increment 0), its type taken from the defaults", () => {
  assert.deepEqual(policy("timeout: 10s", { type: "linear", max_retries: 10 }), {
    backoff: { kind: "linear", initialIntervalMs: 10_000, incrementMs: 0 },
    maxAttempts: 10,
  });
});

test("MG case 5: intervals list every wait", () => {
  assert.deepEqual(policy("type: intervals\ntimeouts: [100ms, 50s, 5h, 1d]"), {
    backoff: { kind: "intervals", intervalsMs: [100, 50_000, 5 * HOUR_MS, 24 * HOUR_MS] },
  });
});

test("MG case 6: timecap bounds the total time; linear ignores factor and max_timeout; infinity leaves tries open", () => {
  const yaml =
    "type: linear\ntimecap: 10m\nmax_retries: infinity\nfactor: 2\ntimeout: 10ms\nmax_timeout: 60s";
  assert.deepEqual(policy(yaml), {
    backoff: { kind: "linear", initialIntervalMs: 10, incrementMs: 0 },
    maxTotalMs: 10 * 60 * 1000,
  });
});

test("MG retry_policy_failure_test_: each incomplete map is refused, naming the missing key", () => {
  assert.deepEqual(problems({}), ["needs a type: exponential, linear or intervals"]);
  assert.deepEqual(
    problems({ type: "non existing type", max_retries: "infinity", factor: 2, timeout: "10ms" }),
    ['type: must be one of exponential, linear, intervals; got "non existing type"'],
  );
  assert.deepEqual(problems({ type: "exponential", factor: 2, timeout: "10ms" }), [
    "max_retries: is required for type exponential",
  ]);
  assert.deepEqual(problems({ type: "exponential", max_retries: "infinity", timeout: "10ms" }), [
    "factor: is required for type exponential",
  ]);
  assert.deepEqual(problems({ type: "exponential", max_retries: "infinity", factor: 2 }), [
    "timeout: is required for type exponential",
  ]);
  assert.deepEqual(problems({ type: "intervals" }), ["timeouts: is required for type intervals"]);
  assert.deepEqual(problems({ type: "linear", max_retries: 10 }), ["timeout: is required for type linear"]);
});

test("MG's defaults per kind; timers and notifications equal core's own defaults", () => {
  assert.deepEqual(policy("", RETRY_DEFAULTS.timers), DEFAULT_TIMER_RETRY_POLICY);
  assert.deepEqual(policy("", RETRY_DEFAULTS.notifications), DEFAULT_NOTIFICATION_RETRY_POLICY);
  const unbounded = {
    backoff: { kind: "exponential", initialIntervalMs: 10, factor: 2 },
    maxIntervalMs: 60_000,
  };
  assert.deepEqual(policy("", RETRY_DEFAULTS.storage), unbounded);
  assert.deepEqual(policy("", RETRY_DEFAULTS.continuation), unbounded);
  assert.deepEqual(policy("", RETRY_DEFAULTS.processor), { ...unbounded, maxTotalMs: 24 * HOUR_MS });
});

test("max_retries: a count (0 included), infinity, and {max_total_timeout} with a finite or infinite time", () => {
  const base = "type: exponential\nfactor: 2\ntimeout: 1s\n";
  const backoff = { kind: "exponential", initialIntervalMs: 1000, factor: 2 };
  assert.deepEqual(policy(`${base}max_retries: 5`), { backoff, maxAttempts: 5 });
  assert.deepEqual(policy(`${base}max_retries: 0`), { backoff, maxAttempts: 0 });
  assert.deepEqual(policy(`${base}max_retries: infinity`), { backoff });
  assert.deepEqual(policy(`${base}max_retries: {max_total_timeout: 2h}`), {
    backoff,
    maxTotalMs: 2 * HOUR_MS,
  });
  assert.deepEqual(policy(`${base}max_retries: {max_total_timeout: infinity}`), { backoff });
});

test("the tighter of timecap and max_total_timeout wins; max_timeout infinity means no cap; jitter passes through", () => {
  const yaml = "type: exponential\nfactor: 1.5\ntimeout: 1s\nmax_timeout: infinity\njitter: 0.2\n";
  assert.deepEqual(policy(`${yaml}max_retries: {max_total_timeout: 1h}\ntimecap: 30m`), {
    backoff: { kind: "exponential", initialIntervalMs: 1000, factor: 1.5 },
    maxTotalMs: 30 * 60 * 1000,
    jitter: 0.2,
  });
});

test("intervals ignore max_retries, as MG does, but honour timecap", () => {
  assert.deepEqual(policy("type: intervals\ntimeouts: [1s, 2s]\nmax_retries: 1\ntimecap: 1m"), {
    backoff: { kind: "intervals", intervalsMs: [1000, 2000] },
    maxTotalMs: 60_000,
  });
});

test("bad values are named by key: factor below 1, bad max_retries, empty list, jitter above 1, unknown key", () => {
  assert.deepEqual(
    problems({
      type: "exponential",
      factor: 0.5,
      max_retries: -1,
      timeout: "1s",
      jitter: 2,
      timeouts: [],
      tries: 1,
    }),
    [
      'max_retries: must be a whole number ≥ 0, "infinity" or a mapping; got -1',
      "factor: must be a number ≥ 1; got 0.5",
      "timeouts: must list at least 1 item(s)",
      "jitter: must be a number in 0..1; got 2",
      "tries: unknown key",
    ],
  );
});
