/**
 * Natural JSON is the payload form of the JSON API, the SDK and the CLI: plain JSON is itself, and the escapes
 * (`$int`, `$float`, `$bytes`, `$map`) carry what JSON lacks without colliding with user data. Examples pin the
 * form; a property test (fast-check) checks that every msgpack Value survives Value → JSON text → Value exactly,
 * and that refusals are typed and name their path.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { InvalidRequestError } from "../../../src/core/errors.js";
import { decodeValue, encodeValue, type Value } from "../../../src/mg/msgpack/msgpack-value.js";
import {
  payloadToNaturalJson,
  valueFromNaturalJson,
  valueToNaturalJson,
} from "../../../src/mg/msgpack/natural-json.js";

const roundTrip = (value: Value) =>
  valueFromNaturalJson(JSON.parse(JSON.stringify(valueToNaturalJson(value))));

test("plain JSON is itself; what JSON lacks has one escape each", () => {
  const cases: Array<[unknown, Value]> = [
    [
      { amount: 100, currency: "RUB", approved: true, note: null },
      {
        obj: [
          [{ str: "amount" }, { i: 100n }],
          [{ str: "currency" }, { str: "RUB" }],
          [{ str: "approved" }, { b: true }],
          [{ str: "note" }, { nl: {} }],
        ],
      },
    ],
    [[1.5, "x"], { arr: [{ flt: 1.5 }, { str: "x" }] }],
    [{ $int: "9007199254740993" }, { i: 9007199254740993n }],
    [{ $float: 2 }, { flt: 2 }],
    [{ $float: "-0" }, { flt: -0 }],
    [{ $bytes: "AAH/" }, { bin: new Uint8Array([0, 1, 255]) }],
    [{ $map: [[1, "one"]] }, { obj: [[{ i: 1n }, { str: "one" }]] }],
    [{ $map: [["$bytes", "not an escape"]] }, { obj: [[{ str: "$bytes" }, { str: "not an escape" }]] }],
  ];
  for (const [json, value] of cases) {
    assert.deepEqual(valueFromNaturalJson(json), value, JSON.stringify(json));
    assert.deepEqual(roundTrip(value), value, `${JSON.stringify(json)} round-trips`);
  }
  assert.deepEqual(
    valueToNaturalJson({ obj: [[{ str: "$bytes" }, { str: "x" }]] }),
    {
      $map: [["$bytes", "x"]],
    },
    "a user object that looks like an escape is written as a $map",
  );
  assert.deepEqual(
    valueToNaturalJson({
      obj: [
        [{ str: "2" }, { nl: {} }],
        [{ str: "1" }, { nl: {} }],
      ],
    }),
    {
      $map: [
        ["2", null],
        ["1", null],
      ],
    },
    "array-index keys keep their order in a $map",
  );
});

test("every Value survives Value → natural JSON text → Value (property)", () => {
  const value: fc.Arbitrary<Value> = fc.letrec<{ value: Value }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.constant({ nl: {} }),
      fc.boolean().map((b) => ({ b })),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((i) => ({ i })),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((flt) => ({ flt })),
      fc.string({ unit: "grapheme" }).map((str) => ({ str })),
      fc.uint8Array({ maxLength: 16 }).map((bin) => ({ bin })),
      fc.array(tie("value"), { maxLength: 4 }).map((arr) => ({ arr })),
      fc.array(fc.tuple(tie("value"), tie("value")), { maxLength: 4 }).map((obj) => ({ obj })),
    ),
  })).value;
  fc.assert(
    fc.property(value, (original) => {
      const back = roundTrip(original);
      assert.deepEqual(encodeValue(back), encodeValue(original));
    }),
    { numRuns: 2000 },
  );
});

test("refusals are typed and name their path: unknown escapes, bad base64, big integers, lone surrogates", () => {
  const refused: Array<[unknown, RegExp]> = [
    [{ $nope: 1 }, /value is an escape \("\$nope"\) that is not one of/],
    [{ a: { $bytes: "A" } }, /value\.a\.\$bytes must be padded base64/],
    [{ n: 2 ** 60 }, /value\.n is an integer beyond 2\^53/],
    [{ $int: "99999999999999999999" }, /is outside the 64-bit range/],
    [["\ud800"], /value\[0\] holds a lone surrogate/],
    [{ $map: [[1]] }, /must be a \[key, value\] pair/],
  ];
  for (const [json, message] of refused) {
    assert.throws(
      () => valueFromNaturalJson(json),
      (error: unknown) => error instanceof InvalidRequestError && message.test(error.message),
    );
  }
});

test("stored payloads read as natural JSON; no bytes read as null, bytes that are no Value as $raw", () => {
  assert.deepEqual(payloadToNaturalJson(encodeValue({ str: "hi" }), decodeValue), "hi");
  assert.equal(payloadToNaturalJson(new Uint8Array(0), decodeValue), null);
  assert.deepEqual(payloadToNaturalJson(new Uint8Array([0xff, 0xfe]), decodeValue), { $raw: "//4=" });
});
