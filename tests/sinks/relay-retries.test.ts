/**
 * How a relay combines the continuation policies of the namespaces in a failed batch (pure): each namespace counts
 * its own failed tries, the batch waits the shortest of the pauses still due, a namespace whose policy ran out has
 * its records parked, a non-retryable error class parks at once, and the relay's own backoff never parks.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RetryPolicy } from "../../src/core/retry-policy.js";
import { batchRetryOf, relayBackoffPolicy, type SinkFailureSeries } from "../../src/sinks/relay-retries.js";
import { SinkUnavailableError } from "../../src/sinks/sink.js";
import type { StoredOutboxRecord } from "../../src/storage/outbox-store.js";

const stored = (position: number, namespace: string): StoredOutboxRecord => ({
  position,
  record: {
    kind: "event",
    namespace,
    machineId: `m${position}`,
    eventId: 1,
    createdAtUs: 0,
    data: new Uint8Array(),
  },
});

const POLICIES: Readonly<Record<string, RetryPolicy>> = {
  short: { backoff: { kind: "intervals", intervalsMs: [100, 200] } },
  long: { backoff: { kind: "linear", initialIntervalMs: 5000, incrementMs: 0 }, maxTotalMs: 60_000 },
  strict: {
    backoff: { kind: "linear", initialIntervalMs: 10, incrementMs: 0 },
    nonRetryable: ["sink_unavailable"],
  },
};
const DEFAULT = relayBackoffPolicy(50, 5000);
const policyOf = (namespace: string) => POLICIES[namespace] ?? DEFAULT;
const error = new SinkUnavailableError("nats", "CONNECTION_REFUSED");

function retry(batch: StoredOutboxRecord[], series: ReadonlyMap<string, SinkFailureSeries>, nowUs: number) {
  return batchRetryOf({ batch, series, nowUs, error, policyOf, random: () => 0.5 });
}

test("the batch waits the shortest pause of its namespaces; each counts only the tries that held its records", () => {
  const first = retry([stored(1, "short"), stored(2, "long")], new Map(), 1_000_000);
  assert.deepEqual(first.park, []);
  assert.equal(first.delayMs, 100);
  assert.deepEqual(
    [...first.series],
    [
      ["short", { attempt: 1, firstFailedAtUs: 1_000_000 }],
      ["long", { attempt: 1, firstFailedAtUs: 1_000_000 }],
    ],
  );
  const second = retry([stored(1, "short"), stored(3, "other")], first.series, 2_000_000);
  assert.equal(
    second.delayMs,
    50,
    "other's first pause (the relay's backoff) is shorter than short's 200 ms",
  );
  assert.deepEqual(
    second.series.get("long"),
    { attempt: 1, firstFailedAtUs: 1_000_000 },
    "long was not in it",
  );
  assert.deepEqual(second.series.get("short"), { attempt: 2, firstFailedAtUs: 1_000_000 });
  const third = retry([stored(1, "short"), stored(2, "long"), stored(3, "other")], second.series, 3_000_000);
  assert.deepEqual(
    third.park.map((entry) => entry.stored.position),
    [1],
    "short's two intervals are spent: its record is parked, the others wait",
  );
  assert.equal(
    third.park[0]?.reason,
    'retries.continuation of namespace "short" ran out after 3 failures: sink "nats" is unavailable: CONNECTION_REFUSED',
  );
  assert.equal(third.delayMs, 100, "other's second pause");
});

test("a non-retryable class parks at the first failure; a total time bound parks when spent; all parked: no pause", () => {
  const strict = retry([stored(1, "strict"), stored(2, "strict")], new Map(), 0);
  assert.deepEqual(
    strict.park.map((entry) => entry.reason),
    Array(2).fill(
      'retries.continuation of namespace "strict" ran out after 1 failure: sink "nats" is unavailable: CONNECTION_REFUSED',
    ),
  );
  assert.equal(strict.delayMs, null);
  const late = retry(
    [stored(1, "long")],
    new Map([["long", { attempt: 3, firstFailedAtUs: 0 }]]),
    56_000_000,
  );
  assert.equal(late.park.length, 1, "56 s + 5 s would pass long's 60 s bound");
});

test("the relay's own backoff doubles from its minimum to its maximum and never parks", () => {
  let series: ReadonlyMap<string, SinkFailureSeries> = new Map();
  const delays: (number | null)[] = [];
  for (let failure = 0; failure < 1100; failure += 1) {
    const result = retry([stored(1, "plain")], series, failure * 1_000_000);
    assert.deepEqual(result.park, []);
    delays.push(result.delayMs);
    series = result.series;
  }
  assert.deepEqual(delays.slice(0, 8), [50, 100, 200, 400, 800, 1600, 3200, 5000]);
  assert.ok(
    delays.slice(7).every((delay) => delay === 5000),
    "capped, even past 2^1024",
  );
});
