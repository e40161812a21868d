/**
 * The exact inputs the msgpack fuzz targets found, each a plain test: what the JSON or plain form did before its
 * fix (in the test's name) and the typed answer it gives now.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidRequestError } from "../../src/core/errors.js";
import { encodeValue, type PlainValue, value, valueFromJson } from "../../src/mg/msgpack/msgpack-value.js";
import { NESTING_DEPTH_MAX } from "../../src/mg/thrift/limits.js";

function nestedArrays(levels: number, leaf: unknown): unknown {
  let json = leaf;
  for (let level = 1; level < levels; level += 1) json = [json];
  return json;
}

const refused = (pattern: RegExp) => (error: unknown) =>
  error instanceof InvalidRequestError && pattern.test(error.message);

test("valueFromJson: 100 000 nested arrays were a RangeError (stack overflow); now refused with a path", () => {
  const json = JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`) as unknown;
  assert.throws(() => valueFromJson(json), refused(/^value(\[0\]){64} nests deeper than 64 levels$/));
});

test("valueFromJson: nesting is refused exactly where the stored form would be", () => {
  assert.doesNotThrow(() => encodeValue(valueFromJson(nestedArrays(NESTING_DEPTH_MAX, 1))));
  assert.throws(() => valueFromJson(nestedArrays(NESTING_DEPTH_MAX + 1, 1)), refused(/nests deeper/));
  // null is nl, whose Nil struct is one level more.
  assert.doesNotThrow(() => encodeValue(valueFromJson(nestedArrays(NESTING_DEPTH_MAX - 1, null))));
  assert.throws(() => valueFromJson(nestedArrays(NESTING_DEPTH_MAX, null)), refused(/nests deeper/));
});

test('valueFromJson: {"bin": "A"} read as no bytes at all; base64 that is not the one form of its bytes is refused', () => {
  assert.throws(() => valueFromJson({ bin: "A" }), refused(/^value\.bin must be padded base64 text$/));
  assert.throws(() => valueFromJson({ bin: "QR==" }), refused(/value\.bin/));
  assert.throws(() => valueFromJson({ bin: "QQ" }), refused(/value\.bin/));
  assert.deepEqual(valueFromJson({ bin: "QQ==" }), { bin: new Uint8Array([0x41]) });
  assert.deepEqual(valueFromJson({ bin: "" }), { bin: new Uint8Array([]) });
});

test("valueFromJson: a lone surrogate was accepted and failed only when stored; now refused at its path", () => {
  const json = JSON.parse('["\\ud800"]') as unknown;
  assert.throws(() => valueFromJson(json), refused(/^value\[0\] has a lone surrogate/));
  const key = JSON.parse('{"obj": [["\\udc00", 1]]}') as unknown;
  assert.throws(() => valueFromJson(key), refused(/^value\.obj\[0\]\[0\] has a lone surrogate/));
});

test("value(): deep plain values and cycles were a RangeError; now refused like the JSON form", () => {
  const deep = nestedArrays(100_000, 1) as PlainValue;
  assert.throws(() => value(deep), refused(/nests deeper than 64 levels/));
  const cyclic: PlainValue[] = [];
  cyclic.push(cyclic);
  assert.throws(() => value(cyclic), refused(/nests deeper than 64 levels/));
  assert.throws(() => value(nestedArrays(NESTING_DEPTH_MAX, null) as PlainValue), refused(/nests deeper/));
  assert.doesNotThrow(() => encodeValue(value(nestedArrays(NESTING_DEPTH_MAX, 1) as PlainValue)));
});

test("value(): a lone surrogate in text or in a key was accepted and failed only when stored", () => {
  assert.throws(() => value("a\udc00"), refused(/^value has a lone surrogate/));
  assert.throws(() => value({ "\ud800": 1 }), refused(/lone surrogate/));
  assert.deepEqual(value("😀"), { str: "😀" });
});
