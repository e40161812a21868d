/** Retry policies compute the next interval from the attempt and elapsed time, and stop when exhausted. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidRequestError } from "../../src/core/errors.js";
import type { RetryPolicy } from "../../src/core/retry-policy.js";
import { nextRetryDelayMs, validateRetryPolicy } from "../../src/core/retry-policy.js";

const noJitter = () => 0.5;
const delays = (policy: RetryPolicy, attempts: number) =>
  Array.from({ length: attempts }, (_, index) =>
    nextRetryDelayMs(policy, { attempt: index + 1, elapsedMs: 0 }, noJitter),
  );

test("exponential backoff doubles up to the interval cap and stops after max attempts", () => {
  const policy: RetryPolicy = {
    backoff: { kind: "exponential", initialIntervalMs: 100, factor: 2 },
    maxIntervalMs: 500,
    maxAttempts: 5,
  };
  assert.deepEqual(delays(policy, 6), [100, 200, 400, 500, 500, null]);
});

test("linear backoff grows by its increment; MG's linear is the constant case", () => {
  assert.deepEqual(
    delays({ backoff: { kind: "linear", initialIntervalMs: 10, incrementMs: 5 } }, 3),
    [10, 15, 20],
  );
  assert.deepEqual(
    delays({ backoff: { kind: "linear", initialIntervalMs: 7, incrementMs: 0 } }, 3),
    [7, 7, 7],
  );
});

test("explicit intervals are used in order, and their count bounds the retries", () => {
  assert.deepEqual(delays({ backoff: { kind: "intervals", intervalsMs: [100, 10_000] } }, 3), [
    100,
    10_000,
    null,
  ]);
});

test("max total time stops a series whose next retry would land past it", () => {
  const policy: RetryPolicy = {
    backoff: { kind: "linear", initialIntervalMs: 400, incrementMs: 0 },
    maxTotalMs: 1000,
  };
  assert.equal(nextRetryDelayMs(policy, { attempt: 2, elapsedMs: 500 }, noJitter), 400);
  assert.equal(nextRetryDelayMs(policy, { attempt: 3, elapsedMs: 900 }, noJitter), null);
});

test("jitter scales the interval within ±jitter using the injected random source", () => {
  const policy: RetryPolicy = {
    backoff: { kind: "linear", initialIntervalMs: 1000, incrementMs: 0 },
    jitter: 0.2,
  };
  assert.equal(
    nextRetryDelayMs(policy, { attempt: 1, elapsedMs: 0 }, () => 0),
    800,
  );
  assert.equal(
    nextRetryDelayMs(policy, { attempt: 1, elapsedMs: 0 }, () => 0.999999),
    1200,
  );
});

test("a bad policy is refused with the path of the bad field", () => {
  assert.throws(
    () =>
      validateRetryPolicy(
        { backoff: { kind: "exponential", initialIntervalMs: 1, factor: 0.5 } },
        "ns.timers",
      ),
    (error) => error instanceof InvalidRequestError && error.field === "ns.timers.factor",
  );
  assert.throws(
    () => validateRetryPolicy({ backoff: { kind: "intervals", intervalsMs: [] } }, "p"),
    InvalidRequestError,
  );
  assert.throws(
    () =>
      validateRetryPolicy(
        { backoff: { kind: "linear", initialIntervalMs: 1, incrementMs: 0 }, jitter: 2 },
        "p",
      ),
    InvalidRequestError,
  );
});
