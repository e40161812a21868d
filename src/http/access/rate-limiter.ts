/**
 * A token bucket per key (a token's name, or a client's address without one): each holds up to `burst`
 * requests and refills at `requestsPerSecond`. A request finds its bucket empty → refused with the seconds until
 * one request is back. The buckets are bounded (BUCKETS_MAX, least recently used first out): a full bucket is the
 * same as no bucket, so an evicted key loses nothing but a debt, and memory does not grow with clients.
 * A library was considered (hono-rate-limiter counts fixed windows, which let twice the rate through at a
 * window's edge); a bucket is these few lines.
 */

export const BUCKETS_MAX = 10_000;

export interface RateLimit {
  readonly requestsPerSecond: number;
  readonly burst: number;
}

export type RateDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterSeconds: number };

interface Bucket {
  available: number;
  atMs: number;
}

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly nowMs: () => number,
  ) {}

  /** Buckets kept now; at most BUCKETS_MAX. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one request from the key's bucket, if it has one. */
  take(key: string): RateDecision {
    const now = this.nowMs();
    const bucket = this.#refilled(key, now);
    // Touched buckets move to the end of the map: the first entry is the least recently used.
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > BUCKETS_MAX) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    if (bucket.available >= 1) {
      bucket.available -= 1;
      return { allowed: true };
    }
    const waitSeconds = (1 - bucket.available) / this.limit.requestsPerSecond;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds)) };
  }

  #refilled(key: string, now: number): Bucket {
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) return { available: this.limit.burst, atMs: now };
    const elapsedSeconds = Math.max(0, now - bucket.atMs) / 1000;
    bucket.available = Math.min(
      this.limit.burst,
      bucket.available + elapsedSeconds * this.limit.requestsPerSecond,
    );
    bucket.atMs = now;
    return bucket;
  }
}
