/**
 * The msgpack mapping: the stored form (encodeValue/decodeValue), the readable JSON form (msgpack-json.ts) and
 * the plain form (msgpack-plain.ts). Valid Values round-trip through each; hostile input ends in
 * ThriftDecodeError, ThriftEncodeError or InvalidRequestError, or in a Value that can be stored.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidRequestError } from "../../src/core/errors.js";
import type { PlainValue, Value } from "../../src/mg/msgpack/msgpack-value.js";
import {
  decodeValue,
  encodeValue,
  plain,
  value,
  valueFromJson,
  valueToJson,
} from "../../src/mg/msgpack/msgpack-value.js";
import { ThriftDecodeError, ThriftEncodeError } from "../../src/mg/thrift/errors.js";
import { hostile } from "./byte-mutations.js";
import { defineTarget, type FuzzTarget, outcomeOf, requireTyped, violation } from "./fuzz-target.js";
import {
  deepJsonArbitrary,
  deepValueArbitrary,
  expectedJson,
  fitsNesting,
  I64_MAX,
  I64_MIN,
  jsonJunkArbitrary,
  REFUSED,
  valueArbitrary,
} from "./msgpack-values.js";
import { weightOf } from "./thrift-values.js";
import { mutateTree, treeMutationsArbitrary } from "./tree-mutations.js";

type ValueInput =
  | { readonly kind: "encode"; readonly value: Value }
  | { readonly kind: "decode"; readonly value: Value; readonly bytes: Uint8Array; readonly intact: boolean };

const storableValues = fc.oneof(valueArbitrary, deepValueArbitrary).filter(fitsNesting);

const valueInputs: fc.Arbitrary<ValueInput> = fc.oneof(
  fc.oneof(valueArbitrary, deepValueArbitrary).map((value): ValueInput => ({ kind: "encode", value })),
  hostile(storableValues.map((value) => ({ value, bytes: encodeValue(value) }))).map(
    (input): ValueInput => ({ kind: "decode", ...input }),
  ),
);

function checkValue(input: ValueInput): void {
  if (input.kind === "encode") {
    const encoded = outcomeOf(() => encodeValue(input.value));
    if (!encoded.ok) {
      requireTyped(encoded.error, [ThriftEncodeError], "encodeValue");
      if (fitsNesting(input.value))
        violation(`a Value within the nesting bound was refused: ${String(encoded.error)}`);
      return;
    }
    if (!fitsNesting(input.value))
      violation("a Value nested past the bound was encoded; it could never be read back");
    assert.deepStrictEqual(decodeValue(encoded.value), input.value);
    return;
  }
  const decoded = outcomeOf(() => decodeValue(input.bytes));
  if (!decoded.ok) {
    if (input.intact) violation(`an intact Value was refused: ${String(decoded.error)}`);
    requireTyped(decoded.error, [ThriftDecodeError], "decodeValue");
    return;
  }
  if (input.intact) assert.deepStrictEqual(decoded.value, input.value);
  if (weightOf(decoded.value) > 2 * input.bytes.byteLength + 16)
    violation("a decoded Value outweighs its bytes");
  assert.deepStrictEqual(decodeValue(encodeValue(decoded.value)), decoded.value);
}

type JsonInput =
  | { readonly kind: "value"; readonly value: Value }
  | { readonly kind: "json"; readonly json: unknown };

const jsonKeys = fc.constantFrom("i", "flt", "bin", "obj", "str", "__proto__");

const jsonInputs: fc.Arbitrary<JsonInput> = fc.oneof(
  { weight: 2, arbitrary: storableValues.map((value): JsonInput => ({ kind: "value", value })) },
  {
    weight: 4,
    arbitrary: fc.tuple(valueArbitrary, treeMutationsArbitrary(jsonJunkArbitrary, jsonKeys)).map(
      ([value, mutations]): JsonInput => ({
        kind: "json",
        json: mutateTree(valueToJson(value), mutations),
      }),
    ),
  },
  { weight: 2, arbitrary: jsonJunkArbitrary.map((json): JsonInput => ({ kind: "json", json })) },
  { weight: 1, arbitrary: deepJsonArbitrary.map((json): JsonInput => ({ kind: "json", json })) },
);

/** JSON text has no negative zero: {"flt": -0} is written {"flt":0}. */
function withoutNegativeZero(value: Value): Value {
  if (value.flt !== undefined) return { flt: value.flt + 0 };
  if (value.arr !== undefined) return { arr: value.arr.map(withoutNegativeZero) };
  if (value.obj !== undefined)
    return { obj: value.obj.map(([key, item]) => [withoutNegativeZero(key), withoutNegativeZero(item)]) };
  return value;
}

function checkJson(input: JsonInput): void {
  if (input.kind === "value") {
    const json = valueToJson(input.value);
    assert.deepStrictEqual(valueFromJson(json), input.value, "the JSON form round-trips");
    const text = JSON.parse(JSON.stringify(json)) as unknown;
    assert.deepStrictEqual(valueFromJson(text), withoutNegativeZero(input.value), "and so does its text");
    return;
  }
  const expected = expectedJson(input.json);
  const read = outcomeOf(() => valueFromJson(input.json));
  if (!read.ok) {
    requireTyped(read.error, [InvalidRequestError], "valueFromJson");
    if (expected !== REFUSED) violation(`valueFromJson refused valid input: ${String(read.error)}`);
    return;
  }
  if (expected === REFUSED)
    violation(`valueFromJson accepted input its format refuses, as ${fc.stringify(read.value)}`);
  assert.deepStrictEqual(valueToJson(read.value), expected, "an accepted JSON value loses nothing");
  encodeValue(read.value);
}

type PlainInput =
  | { readonly kind: "value"; readonly value: Value }
  | { readonly kind: "plain"; readonly js: unknown; readonly canonical: boolean };

/** Plain values that come back from plain(value(js)) exactly: no -0, integral numbers safe, bigints unsafe. */
const { tree: canonicalPlain } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((number) => !Number.isInteger(number)),
    fc.oneof(fc.bigInt({ min: I64_MIN, max: -(2n ** 53n) }), fc.bigInt({ min: 2n ** 53n, max: I64_MAX })),
    fc.string({ unit: "binary", maxLength: 6 }),
    fc.uint8Array({ maxLength: 6 }),
    fc.array(tie("tree"), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie("tree"), { maxKeys: 3, noNullPrototype: true }),
    fc
      .uniqueArray(fc.integer(), { minLength: 1, maxLength: 3 })
      .chain((keys) =>
        fc
          .tuple(...keys.map(() => tie("tree")))
          .map((items) => new Map(keys.map((key, index) => [key, items[index]]))),
      ),
  ),
}));

class Money {
  constructor(readonly cents: number) {}
}

const plainJunk = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -0,
    2 ** 70,
    -(2 ** 64),
    2n ** 63n,
    -(2n ** 63n) - 1n,
  ),
  fc.constantFrom(
    undefined,
    Symbol("s"),
    () => 1,
    new Date(0),
    new Money(5),
    Object.create(null),
    new Set([1]),
  ),
  fc.string({ unit: "binary-ascii", maxLength: 3 }).map((text) => `${text}\udc00`),
);

/** Too deep or cyclic to be walked by the tree mutations; given to value() whole. */
const unwalkable = fc.oneof(
  deepJsonArbitrary,
  fc.constant(null).map(() => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    return cyclic;
  }),
);

const plainInputs: fc.Arbitrary<PlainInput> = fc.oneof(
  storableValues.map((value): PlainInput => ({ kind: "value", value })),
  canonicalPlain.map((js): PlainInput => ({ kind: "plain", js, canonical: true })),
  fc
    .tuple(canonicalPlain, treeMutationsArbitrary(plainJunk, fc.string({ maxLength: 3 })))
    .map(
      ([js, mutations]): PlainInput => ({ kind: "plain", js: mutateTree(js, mutations), canonical: false }),
    ),
  unwalkable.map((js): PlainInput => ({ kind: "plain", js, canonical: false })),
);

function checkPlain(input: PlainInput): void {
  if (input.kind === "value") {
    // One trip may lose what the plain form documents (flt 2.0 becomes i 2, str keys lose their order and
    // duplicates); after it, the Value is a fixed point.
    const back = value(plain(input.value));
    encodeValue(back);
    assert.deepStrictEqual(value(plain(back)), back, "a plain form converts back to itself");
    return;
  }
  const converted = outcomeOf(() => value(input.js as PlainValue));
  if (!converted.ok) {
    requireTyped(converted.error, [InvalidRequestError], "value()");
    if (input.canonical) violation(`value() refused a plain value: ${String(converted.error)}`);
    return;
  }
  encodeValue(converted.value);
  if (input.canonical) assert.deepStrictEqual(plain(converted.value), input.js, "a plain value round-trips");
}

export const MSGPACK_TARGETS: readonly FuzzTarget[] = [
  defineTarget({
    name: "msgpack-value",
    description: "encodeValue/decodeValue: Values of every kind and nesting, and hostile bytes",
    testCases: 2000,
    arbitrary: valueInputs,
    open: async () => ({ kind: "sync", check: checkValue }),
  }),
  defineTarget({
    name: "msgpack-json",
    description: "the readable JSON form: round trips, and any JSON against the format's model",
    testCases: 2000,
    arbitrary: jsonInputs,
    open: async () => ({ kind: "sync", check: checkJson }),
  }),
  defineTarget({
    name: "msgpack-plain",
    description: "the plain form: round trips of plain values and Values, and values it must refuse",
    testCases: 2000,
    arbitrary: plainInputs,
    open: async () => ({ kind: "sync", check: checkPlain }),
  }),
];
