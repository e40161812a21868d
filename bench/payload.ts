/**
 * Event payloads for the workloads and the ceilings alike: 64 bytes that do not compress, drawn from one pool
 * of random bytes made at start. Drawing them from the system's generator per step cost the chain 4 % of its
 * node's CPU, a cost of the bench's stand-in processor, not of the engine.
 */
import { randomBytes } from "node:crypto";

export const EVENT_BYTES = 64;
const POOL_BYTES = 1 << 20;
const pool = randomBytes(POOL_BYTES);
let offset = 0;

/** A fresh copy of the next `bytes` bytes of the pool (it wraps around). */
export function payload(bytes = EVENT_BYTES): Buffer {
  if (offset + bytes > POOL_BYTES) offset = 0;
  const copy = Buffer.from(pool.subarray(offset, offset + bytes));
  offset += bytes;
  return copy;
}
