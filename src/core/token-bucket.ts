/**
 * A token bucket: `ratePerSecond` tokens a second, at most `capacity` saved up. A bulk run takes one token per
 * machine with a capacity of one, so its machines are at least 1/rate apart and a pause never turns into a burst.
 * Pure: the caller passes the time and sleeps for the delay it is given.
 */
import assert from "node:assert/strict";

export class TokenBucket {
  readonly #intervalMs: number;
  readonly #capacity: number;
  /** When the bucket was last full-or-counted, and the tokens it held then. */
  #atMs: number;
  #tokens: number;

  constructor(options: { ratePerSecond: number; capacity: number; nowMs: number }) {
    assert.ok(options.ratePerSecond > 0, "a token bucket's rate is positive");
    assert.ok(options.capacity >= 1, "a token bucket holds at least one token");
    this.#intervalMs = 1000 / options.ratePerSecond;
    this.#capacity = options.capacity;
    this.#atMs = options.nowMs;
    this.#tokens = options.capacity;
  }

  /** Takes a token if one is there and returns 0; otherwise takes nothing and returns the ms until one is. */
  take(nowMs: number): number {
    this.#refill(nowMs);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.#tokens) * this.#intervalMs);
  }

  #refill(nowMs: number): void {
    const elapsedMs = Math.max(0, nowMs - this.#atMs);
    this.#tokens = Math.min(this.#capacity, this.#tokens + elapsedMs / this.#intervalMs);
    this.#atMs = Math.max(this.#atMs, nowMs);
  }
}
