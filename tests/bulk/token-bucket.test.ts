/**
 * The token bucket that paces a bulk run, on a clock the test moves: one token at once, then one per interval;
 * a pause never saves more than the capacity, so it never turns into a burst.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { TokenBucket } from "../../src/core/token-bucket.js";

test("a token bucket of one at 20 per second gives a token every 50 ms and no burst after a pause", () => {
  const bucket = new TokenBucket({ ratePerSecond: 20, capacity: 1, nowMs: 1000 });
  assert.equal(bucket.take(1000), 0, "the first token at once");
  assert.equal(bucket.take(1000), 50, "the next one 50 ms later");
  assert.equal(bucket.take(1030), 20);
  assert.equal(bucket.take(1050), 0);
  assert.equal(bucket.take(5000), 0, "after a long pause: one token");
  assert.equal(bucket.take(5000), 50, "and not a second one");
  assert.throws(() => new TokenBucket({ ratePerSecond: 0, capacity: 1, nowMs: 0 }), /rate is positive/);
});

test("a token bucket with a capacity of three lets three through at once, then keeps its rate", () => {
  const bucket = new TokenBucket({ ratePerSecond: 10, capacity: 3, nowMs: 0 });
  const taken = [bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)];
  assert.deepEqual(taken, [0, 0, 0, 100]);
  assert.equal(bucket.take(100), 0);
  assert.equal(bucket.take(150), 50, "half a token after 50 ms: 50 ms more");
});
