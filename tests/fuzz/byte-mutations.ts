/**
 * Mutations of valid Thrift bytes that reach past the first check: bit flips, byte writes, truncation, inserted
 * and deleted runs, copied segments (repeated fields), and, at the places a walk of the valid bytes found, length
 * and count tampering (up to 2 GiB claimed) and wire type swaps. Mutations are generated independently of the
 * bytes (positions are taken modulo), so fast-check shrinks them one by one.
 */
import fc from "fast-check";
import { TYPE_CODE } from "../../src/mg/thrift/schema.js";
import { type Landmarks, landmarksOf } from "./thrift-landmarks.js";

export type Mutation =
  | { readonly kind: "flip"; readonly at: number; readonly bit: number }
  | { readonly kind: "write"; readonly at: number; readonly byte: number }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "insert"; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: "delete"; readonly at: number; readonly count: number }
  | { readonly kind: "copy"; readonly from: number; readonly to: number; readonly count: number }
  | { readonly kind: "length"; readonly landmark: number; readonly claim: Claim }
  | { readonly kind: "type"; readonly landmark: number; readonly code: number };

/** A tampered length: an absolute value, or the true one moved by a little. */
type Claim = { readonly absolute: number } | { readonly delta: number };

const HOSTILE_LENGTHS = [0x7fffffff, 0x80000000 | 0, -1, 0x10000000, 0x7ffffff0, 65_536, 0];
const WIRE_TYPES = [...Object.values(TYPE_CODE), 0x01, 0x05, 0x07, 0x09, 0x10, 0x80, 0xff];

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("write" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }),
  }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 9 }) }),
  fc.record({
    kind: fc.constant("copy" as const),
    from: fc.nat(),
    to: fc.nat(),
    count: fc.integer({ min: 1, max: 24 }),
  }),
  fc.record({
    kind: fc.constant("length" as const),
    landmark: fc.nat(),
    claim: fc.oneof(
      fc.constantFrom(...HOSTILE_LENGTHS).map((absolute): Claim => ({ absolute })),
      fc.integer({ min: -4, max: 4 }).map((delta): Claim => ({ delta })),
    ),
  }),
  fc.record({ kind: fc.constant("type" as const), landmark: fc.nat(), code: fc.constantFrom(...WIRE_TYPES) }),
);

export const mutationsArbitrary = fc.array(mutationArbitrary, { minLength: 1, maxLength: 4 });

const RANDOM_BYTES = fc.uint8Array({ maxLength: 96 });

/** The header (version, name, seqid) of a message, so a random body can follow a real one. */
function headerBytesOf(bytes: Uint8Array): number {
  if (bytes.byteLength < 8 || bytes[0] !== 0x80) return 0;
  return Math.min(bytes.byteLength, 12 + new DataView(bytes.buffer, bytes.byteOffset).getInt32(4));
}

/** Intact inputs keep what was encoded; mutated ones, random ones and real headers with random bodies do not. */
export function hostile<T extends { readonly bytes: Uint8Array }>(
  valid: fc.Arbitrary<T>,
): fc.Arbitrary<T & { readonly intact: boolean }> {
  return fc.oneof(
    { weight: 2, arbitrary: valid.map((input) => ({ ...input, intact: true })) },
    {
      weight: 6,
      arbitrary: fc.tuple(valid, mutationsArbitrary).map(([input, mutations]) => ({
        ...input,
        bytes: applyMutations(input.bytes, mutations),
        intact: false,
      })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, RANDOM_BYTES).map(([input, bytes]) => ({ ...input, bytes, intact: false })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, RANDOM_BYTES).map(([input, body]) => {
        const header = input.bytes.subarray(0, headerBytesOf(input.bytes));
        return { ...input, bytes: new Uint8Array(Buffer.concat([header, body])), intact: false };
      }),
    },
  );
}

export function applyMutations(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  const landmarks = landmarksOf(bytes);
  return mutations.reduce((current, mutation) => applyMutation(current, mutation, landmarks), bytes);
}

function applyMutation(bytes: Uint8Array, mutation: Mutation, landmarks: Landmarks): Uint8Array {
  const length = bytes.byteLength;
  const index = (at: number) => (length === 0 ? 0 : at % length);
  switch (mutation.kind) {
    case "flip":
      return withByte(bytes, index(mutation.at), (byte) => byte ^ (1 << mutation.bit));
    case "write":
      return withByte(bytes, index(mutation.at), () => mutation.byte);
    case "truncate":
      return bytes.slice(0, mutation.at % (length + 1));
    case "insert": {
      const at = mutation.at % (length + 1);
      return concat(bytes.subarray(0, at), mutation.bytes, bytes.subarray(at));
    }
    case "delete": {
      const at = index(mutation.at);
      return concat(bytes.subarray(0, at), bytes.subarray(at + mutation.count));
    }
    case "copy": {
      const from = index(mutation.from);
      const to = mutation.to % (length + 1);
      return concat(bytes.subarray(0, to), bytes.subarray(from, from + mutation.count), bytes.subarray(to));
    }
    case "length":
      return tamperLength(bytes, landmarks.lengths, mutation.landmark, mutation.claim);
    case "type": {
      if (landmarks.typeCodes.length === 0) return bytes;
      const at = landmarks.typeCodes[mutation.landmark % landmarks.typeCodes.length]!;
      return at < length ? withByte(bytes, at, () => mutation.code) : bytes;
    }
  }
}

function tamperLength(
  bytes: Uint8Array,
  lengths: readonly number[],
  landmark: number,
  claim: Claim,
): Uint8Array {
  if (lengths.length === 0) return bytes;
  const at = lengths[landmark % lengths.length]!;
  if (at + 4 > bytes.byteLength) return bytes;
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  const value = "absolute" in claim ? claim.absolute : view.getInt32(at) + claim.delta;
  view.setInt32(at, value | 0);
  return copy;
}

function withByte(bytes: Uint8Array, at: number, change: (byte: number) => number): Uint8Array {
  if (bytes.byteLength === 0) return bytes;
  const copy = bytes.slice();
  copy[at] = change(copy[at]!) & 0xff;
  return copy;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
