/**
 * Arbitraries and reference models for the msgpack mapping: Values of every kind, Values nested around the
 * codec's bound, and what the JSON form must make of any JSON input (msgpack-json.ts's header, as a model).
 */
import fc from "fast-check";
import type { Value } from "../../src/mg/msgpack/msgpack-value.js";
import { MG_SCHEMA } from "../../src/mg/thrift/generated/index.js";
import { NESTING_DEPTH_MAX } from "../../src/mg/thrift/limits.js";
import { structArbitrary } from "./thrift-values.js";

export const I64_MIN = -(2n ** 63n);
export const I64_MAX = 2n ** 63n - 1n;

/** Values of every kind, a few levels deep. */
export const valueArbitrary = structArbitrary(MG_SCHEMA, "msgpack.Value", 6) as fc.Arbitrary<Value>;

const leafArbitrary = structArbitrary(MG_SCHEMA, "msgpack.Value", 0) as fc.Arbitrary<Value>;

/** A leaf inside `levels - 1` arr or obj levels, so the whole nests `levels` Values deep. */
export function nestedValue(levels: number, leaf: Value, inObject: readonly boolean[]): Value {
  let value = leaf;
  for (let level = 1; level < levels; level += 1) {
    value = inObject[level % inObject.length] === true ? { obj: [[{ str: "k" }, value]] } : { arr: [value] };
  }
  return value;
}

/** Values nested from 1 to 80 levels, across the bound of 64. */
export const deepValueArbitrary: fc.Arbitrary<Value> = fc
  .tuple(
    fc.integer({ min: 1, max: 80 }),
    leafArbitrary,
    fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
  )
  .map(([levels, leaf, inObject]) => nestedValue(levels, leaf, inObject));

/** Struct levels of a Value's Thrift encoding: one per Value, one more for nl's Nil. */
export function levelsOf(value: Value): number {
  if (value.nl !== undefined) return 2;
  const children = value.arr ?? value.obj?.flat() ?? [];
  return 1 + children.reduce((deepest, child) => Math.max(deepest, levelsOf(child)), 0);
}

export function fitsNesting(value: Value): boolean {
  return levelsOf(value) <= NESTING_DEPTH_MAX;
}

/** What valueFromJson must make of `json` (read back with valueToJson), or "refused". */
export function expectedJson(json: unknown, depth = 1): unknown {
  if (depth + (json === null ? 1 : 0) > NESTING_DEPTH_MAX) return REFUSED;
  if (typeof json === "string") return /\p{Cs}/u.test(json) ? REFUSED : json;
  if (json === null || typeof json === "boolean") return json;
  if (typeof json === "number") {
    if (!Number.isFinite(json)) return REFUSED;
    if (!Number.isInteger(json)) return { flt: json };
    // An integer is an i, which has no negative zero.
    return Number.isSafeInteger(json) ? json + 0 : REFUSED;
  }
  if (Array.isArray(json)) return all(json.map((item) => expectedJson(item, depth + 1)));
  if (typeof json !== "object") return REFUSED;
  const keys = Object.keys(json);
  const inner: unknown = keys.length === 1 ? (json as Record<string, unknown>)[keys[0]!] : undefined;
  switch (keys.length === 1 ? keys[0] : undefined) {
    case "i":
      return expectedInteger(inner);
    case "flt":
      return typeof inner === "number" && Number.isFinite(inner) ? { flt: inner } : REFUSED;
    case "bin":
      // Lossless means the text is the one base64 form of its bytes: padded, no stray bits.
      return typeof inner === "string" && Buffer.from(inner, "base64").toString("base64") === inner
        ? { bin: inner }
        : REFUSED;
    case "obj": {
      if (!Array.isArray(inner)) return REFUSED;
      const pairs = inner.map((pair: unknown) =>
        Array.isArray(pair) && pair.length === 2
          ? all([expectedJson(pair[0], depth + 1), expectedJson(pair[1], depth + 1)])
          : REFUSED,
      );
      const entries = all(pairs);
      return entries === REFUSED ? REFUSED : { obj: entries };
    }
    default:
      return REFUSED;
  }
}

export const REFUSED = Symbol("refused");

function all(items: unknown[]): unknown {
  return items.includes(REFUSED) ? REFUSED : items;
}

function expectedInteger(inner: unknown): unknown {
  let integer: bigint | undefined;
  if (typeof inner === "number" && Number.isSafeInteger(inner)) integer = BigInt(inner);
  if (typeof inner === "string" && /^-?\d{1,20}$/.test(inner)) integer = BigInt(inner);
  if (integer === undefined || integer < I64_MIN || integer > I64_MAX) return REFUSED;
  const safe = integer >= -BigInt(Number.MAX_SAFE_INTEGER) && integer <= BigInt(Number.MAX_SAFE_INTEGER);
  return safe ? Number(integer) : { i: integer.toString() };
}

/** JSON (and a few values JSON cannot hold) in the shapes the JSON form uses, most of them slightly wrong. */
export const jsonJunkArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-0, 2 ** 53, -(2 ** 53), 1e300, 0.5, Number.NaN, Number.POSITIVE_INFINITY, undefined, 1n),
  fc.record({
    i: fc.oneof(
      fc.string({ maxLength: 22 }),
      fc.bigInt({ min: I64_MIN * 2n, max: I64_MAX * 2n }).map(String),
      fc.double(),
    ),
  }),
  fc.record({ flt: fc.oneof(fc.double(), fc.string({ maxLength: 3 })) }),
  fc.string({ unit: "binary-ascii", maxLength: 3 }).map((text) => `${text}\ud800`),
  fc.record({
    bin: fc.oneof(fc.base64String({ maxLength: 12 }), fc.string({ unit: "binary-ascii", maxLength: 6 })),
  }),
  fc.record({
    obj: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.array(fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 })),
    ),
  }),
  fc.constantFrom(
    JSON.parse('{"__proto__": {"i": 1}}'),
    { i: 1, flt: 1.5 },
    {},
    { obj: [[null, null, null]] },
    new Date(0),
    new Map([[1, 2]]),
    Object.create(null),
  ),
);

/** JSON arrays nested `levels` deep around a leaf; far past any bound at the top of the range. */
export const deepJsonArbitrary: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.oneof(fc.integer({ min: 55, max: 70 }), fc.integer({ min: 70, max: 20_000 })),
    fc.constantFrom(null, 1, "x"),
  )
  .map(([levels, leaf]) => {
    let json: unknown = leaf;
    for (let level = 1; level < levels; level += 1) json = [json];
    return json;
  });
