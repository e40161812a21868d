/** The rate limit's token buckets, on a clock the test moves: burst, refill, Retry-After, bounded buckets. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { BUCKETS_MAX, RateLimiter } from "../../../src/http/access/rate-limiter.js";

test("a bucket holds its burst, refills at the rate and says when the next request is back", () => {
  let nowMs = 1_000_000;
  const limiter = new RateLimiter({ requestsPerSecond: 0.5, burst: 3 }, () => nowMs);
  for (let index = 0; index < 3; index += 1) assert.deepEqual(limiter.take("a"), { allowed: true });
  assert.deepEqual(limiter.take("a"), { allowed: false, retryAfterSeconds: 2 });
  assert.deepEqual(limiter.take("b"), { allowed: true }, "another key has its own bucket");
  nowMs += 1000; // half a request back
  assert.deepEqual(limiter.take("a"), { allowed: false, retryAfterSeconds: 1 });
  nowMs += 1000;
  assert.deepEqual(limiter.take("a"), { allowed: true });
  assert.equal(limiter.take("a").allowed, false);
  nowMs += 60_000; // refills up to the burst, not beyond
  for (let index = 0; index < 3; index += 1) assert.equal(limiter.take("a").allowed, true);
  assert.equal(limiter.take("a").allowed, false);
});

test("the buckets are bounded: the least recently used goes first, and comes back full", () => {
  const limiter = new RateLimiter({ requestsPerSecond: 0.001, burst: 1 }, () => 0);
  assert.equal(limiter.take("first").allowed, true);
  assert.equal(limiter.take("first").allowed, false);
  for (let index = 0; index < BUCKETS_MAX; index += 1) limiter.take(`client-${index}`);
  assert.equal(limiter.size, BUCKETS_MAX);
  // "first" was the least recently used, so it was dropped: a new full bucket.
  assert.equal(limiter.take("first").allowed, true);
  assert.equal(limiter.size, BUCKETS_MAX);
});
