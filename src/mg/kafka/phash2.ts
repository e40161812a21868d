/**
 * Erlang's `erlang:phash2/1` of a binary, and MG's Kafka partition `phash2(Key) rem PartitionCount`
 * (mg_core_events_sink_kafka:partition/2). Needed only when Ratchet and a running MG write the same topic: every
 * producer of a topic must map one key to one partition, or a machine's events can leave their order.
 *
 * The algorithm is ERTS's `make_hash2` for a binary (erts/emulator/beam/utils.c): Bob Jenkins' 1996 lookup2
 * block hash over the bytes, with the 32-bit state a = b = golden ratio, c = HCONST_13 (the initial hash 0 plus
 * the binary type's constant). 12-byte blocks are read as three little-endian words; the tail is added byte by
 * byte with the total length in c; one final mix; `phash2/1` keeps the low 27 bits. An empty binary skips the
 * block hash and yields HCONST_13 itself. Portable by design: the same on every OTP release and architecture;
 * tests compare it with the real function for thousands of keys.
 */

/** The golden ratio, the lookup2 initial value (`HCONST` in utils.c). */
const HCONST = 0x9e3779b9;
/** 13 × HCONST mod 2^32: the constant make_hash2 mixes into a binary's hash (`HCONST_13` in utils.c). */
const HCONST_13 = 0x08d12e65;
/** `phash2/1` returns `hash band (2^27 - 1)`. */
const PHASH2_MASK = 0x07ff_ffff;
const BLOCK_BYTES = 12;

/** `erlang:phash2(Bytes)` for an Erlang binary: 0 … 2^27 − 1. */
export function phash2(bytes: Uint8Array): number {
  if (bytes.byteLength === 0) return HCONST_13 & PHASH2_MASK;
  return (blockHash(bytes, HCONST_13) & PHASH2_MASK) >>> 0;
}

/** MG's partition for a record key: `erlang:phash2(Key) rem PartitionCount`. */
export function mgPartition(key: Uint8Array, partitionCount: number): number {
  if (!Number.isInteger(partitionCount) || partitionCount < 1) {
    throw new RangeError(`partition count must be a positive integer, got ${partitionCount}`);
  }
  return phash2(key) % partitionCount;
}

/** lookup2 over all of `bytes`, seeded with `initial`; returns the final c. */
function blockHash(bytes: Uint8Array, initial: number): number {
  const state = new Uint32Array([HCONST, HCONST, initial]);
  const length = bytes.byteLength;
  let offset = 0;
  for (; length - offset >= BLOCK_BYTES; offset += BLOCK_BYTES) {
    state[0] = (state[0]! + littleEndianWord(bytes, offset)) >>> 0;
    state[1] = (state[1]! + littleEndianWord(bytes, offset + 4)) >>> 0;
    state[2] = (state[2]! + littleEndianWord(bytes, offset + 8)) >>> 0;
    mix(state);
  }
  // The tail: c's lowest byte is reserved for the length, so tail bytes 8…10 go to c's upper three bytes.
  state[2] = (state[2]! + length) >>> 0;
  const remaining = length - offset;
  for (let index = remaining - 1; index >= 0; index -= 1) {
    const word = index < 4 ? 0 : index < 8 ? 1 : 2;
    const shift = index < 8 ? (index % 4) * 8 : ((index - 8) % 4) * 8 + 8;
    state[word] = (state[word]! + ((bytes[offset + index]! << shift) >>> 0)) >>> 0;
  }
  mix(state);
  return state[2]!;
}

function littleEndianWord(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>>
    0
  );
}

/** Jenkins' `mix(a, b, c)` on 32-bit unsigned words; the Uint32Array wraps every store mod 2^32. */
function mix(state: Uint32Array): void {
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  a = ((a - b - c) ^ (c >>> 13)) >>> 0;
  b = ((b - c - a) ^ (a << 8)) >>> 0;
  c = ((c - a - b) ^ (b >>> 13)) >>> 0;
  a = ((a - b - c) ^ (c >>> 12)) >>> 0;
  b = ((b - c - a) ^ (a << 16)) >>> 0;
  c = ((c - a - b) ^ (b >>> 5)) >>> 0;
  a = ((a - b - c) ^ (c >>> 3)) >>> 0;
  b = ((b - c - a) ^ (a << 10)) >>> 0;
  c = ((c - a - b) ^ (b >>> 15)) >>> 0;
  state[0] = a;
  state[1] = b;
  state[2] = c;
}
