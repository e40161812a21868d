/**
 * Proves the schema-driven codec keeps every struct intact and enforces the rules of machinegun-protocol.md §1:
 * a sample of every struct, union member, exception and method args/result struct is generated from the schema
 * and round-tripped; hand-made byte strings then check required fields, union arity, unknown and mistyped
 * fields, declared container types, enum defaults, and the values that must be refused.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeValue, encodeValue } from "../../../src/mg/msgpack/msgpack-value.js";
import { ThriftDecodeError, ThriftEncodeError } from "../../../src/mg/thrift/errors.js";
import { MG_SCHEMA, type msgpack, stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import type { StructName, StructSchema, TypeRef } from "../../../src/mg/thrift/schema.js";
import { decodeStruct } from "../../../src/mg/thrift/struct-decoder.js";
import { encodeStruct } from "../../../src/mg/thrift/struct-encoder.js";
import { bytesOf, hexOf } from "./hex.js";

function sampleOf(type: TypeRef, depth: number): unknown {
  switch (type.kind) {
    case "bool":
      return true;
    case "byte":
      return -7;
    case "i16":
      return -300;
    case "i32":
      return -70_000;
    case "i64":
      return 2n ** 62n + 5n;
    case "double":
      return 1.25;
    case "string":
      return "žluť 🐎";
    case "binary":
      return new Uint8Array([0, 255, 1]);
    case "enum":
      return Object.keys(MG_SCHEMA.enums[type.name]!).at(-1);
    case "list":
    case "set":
      return [sampleOf(type.element, depth), sampleOf(type.element, depth)];
    case "map":
      return [[sampleOf(type.key, depth), sampleOf(type.value, depth)]];
    case "struct": {
      const struct = MG_SCHEMA.structs[type.name]!;
      // Recursive unions (msgpack.Value) bottom out in their first, scalar-like member.
      return sampleStruct(struct, depth > 3 ? 0 : depth % struct.fields.length, depth + 1);
    }
  }
}

function sampleStruct(struct: StructSchema, member: number, depth: number): Record<string, unknown> {
  const fields = struct.kind === "union" ? [struct.fields[member]!] : struct.fields;
  return Object.fromEntries(fields.map((field) => [field.name, sampleOf(field.type, depth)]));
}

test("every struct, union member and exception of the IDL survives encode then decode", () => {
  let checked = 0;
  for (const struct of Object.values(MG_SCHEMA.structs)) {
    const members = struct.kind === "union" ? struct.fields.length : 1;
    for (let member = 0; member < members; member += 1) {
      const value = sampleStruct(struct, member, 1);
      const name = struct.name as StructName<unknown>;
      assert.deepEqual(
        decodeStruct(MG_SCHEMA, name, encodeStruct(MG_SCHEMA, name, value)),
        value,
        struct.name,
      );
      checked += 1;
    }
  }
  assert.ok(checked > 60, `only ${checked} samples`);
});

test("every method's args and result structs survive encode then decode", () => {
  const registry = { ...MG_SCHEMA, structs: { ...MG_SCHEMA.structs } };
  for (const service of Object.values(MG_SCHEMA.services)) {
    for (const method of Object.values(service.functions)) {
      registry.structs[method.args.name] = method.args;
      registry.structs[method.result.name] = method.result;
      const args = sampleStruct(method.args, 0, 1);
      const name = method.args.name as StructName<unknown>;
      assert.deepEqual(
        decodeStruct(registry, name, encodeStruct(registry, name, args)),
        args,
        method.args.name,
      );
      for (const field of method.result.fields) {
        const result = { [field.name]: sampleOf(field.type, 1) };
        const resultName = method.result.name as StructName<unknown>;
        assert.deepEqual(
          decodeStruct(registry, resultName, encodeStruct(registry, resultName, result)),
          result,
        );
      }
    }
  }
});

test("a missing required field is refused on encode and on decode", () => {
  const content = { format_version: 1 } as unknown as stateProcessing.Content;
  assert.throws(
    () => encodeStruct(MG_SCHEMA, stateProcessing.STRUCT.Content, content),
    (error: unknown) => {
      return error instanceof ThriftEncodeError && /required field data/.test(error.message);
    },
  );
  // Content with only format_version (i32, id 1).
  const bytes = bytesOf("08 00 01 00 00 00 01 00");
  assert.throws(
    () => decodeStruct(MG_SCHEMA, stateProcessing.STRUCT.Content, bytes),
    (error: unknown) => {
      return error instanceof ThriftDecodeError && /required field data/.test(error.message);
    },
  );
  // Nested: the path names where the field is missing.
  const nested = { events: [{ format_version: 1 }] } as unknown as stateProcessing.MachineStateChange;
  assert.throws(
    () => encodeStruct(MG_SCHEMA, stateProcessing.STRUCT.MachineStateChange, nested),
    /events\[0\]: required field data/,
  );
});

test("a union with zero or two fields is refused on encode and on decode", () => {
  const none = {} as msgpack.Value;
  const two = { b: true, i: 1n } as unknown as msgpack.Value;
  assert.throws(() => encodeValue(none), ThriftEncodeError);
  assert.throws(() => encodeValue(two), ThriftEncodeError);
  assert.throws(() => decodeValue(bytesOf("00")), /exactly one field set, has 0/);
  assert.throws(() => decodeValue(bytesOf("02 00 02 01  0a 00 03 00 00 00 00 00 00 00 01  00")), /has 2/);
  // Only an unknown member: nothing known is set.
  assert.throws(() => decodeValue(bytesOf("08 00 63 00 00 00 01 00")), /has 0/);
});

test("unknown fields and known ids with another wire type are skipped", () => {
  // Content: unknown id 9 (a list of i32), data, format_version sent as a string (wrong type for id 1), then a
  // nested unknown struct holding a map.
  const bytes = bytesOf(`
    0f 00 09 08 00 00 00 02 00 00 00 01 00 00 00 02
    0c 00 02 0b 00 05 00 00 00 01 78 00
    0b 00 01 00 00 00 01 31
    0c 00 0a 0d 00 01 0b 02 00 00 00 01 00 00 00 01 6b 01 00
    00`);
  assert.deepEqual(decodeStruct(MG_SCHEMA, stateProcessing.STRUCT.Content, bytes), { data: { str: "x" } });
});

test("containers carry their declared element types even when empty, and a mismatch is refused", () => {
  const change = { events: [] };
  assert.equal(
    hexOf(encodeStruct(MG_SCHEMA, stateProcessing.STRUCT.MachineStateChange, change)),
    "0f 00 04 0c 00 00 00 00 00",
  );
  // An empty list of i32 where the schema declares a list of structs.
  const wrong = bytesOf("0f 00 04 08 00 00 00 00 00");
  assert.throws(
    () => decodeStruct(MG_SCHEMA, stateProcessing.STRUCT.MachineStateChange, wrong),
    /declares 0x0c/,
  );
});

test("HistoryRange.direction takes its default when absent; an unknown enum value is refused", () => {
  const range = decodeStruct(MG_SCHEMA, stateProcessing.STRUCT.HistoryRange, bytesOf("00"));
  assert.deepEqual(range, { direction: "forward" });
  const backward = encodeStruct(MG_SCHEMA, stateProcessing.STRUCT.HistoryRange, { direction: "backward" });
  assert.equal(hexOf(backward), "08 00 03 00 00 00 02 00");
  assert.throws(
    () => decodeStruct(MG_SCHEMA, stateProcessing.STRUCT.HistoryRange, bytesOf("08 00 03 00 00 00 07 00")),
    /enum/,
  );
});

test("i64 values are bigint end to end, beyond 2^53 and at both limits", () => {
  for (const i of [2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n])
    assert.deepEqual(decodeValue(encodeValue({ i })), { i });
  assert.throws(() => encodeValue({ i: 2n ** 63n }), /does not fit in i64/);
  assert.throws(() => encodeValue({ i: 1 } as unknown as msgpack.Value), /expected bigint/);
});

test("NaN and ±Infinity are refused for flt on encode and on decode", () => {
  for (const flt of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    assert.throws(() => encodeValue({ flt }), ThriftEncodeError);
  }
  assert.throws(() => decodeValue(bytesOf("04 00 04 7f f8 00 00 00 00 00 00 00")), ThriftDecodeError);
});

test("str stays text and bin stays bytes; invalid UTF-8 and lone surrogates are refused", () => {
  assert.deepEqual(decodeValue(encodeValue({ str: "é" })), { str: "é" });
  assert.deepEqual(decodeValue(encodeValue({ bin: new Uint8Array([0xc3, 0xa9]) })), {
    bin: new Uint8Array([0xc3, 0xa9]),
  });
  assert.throws(() => decodeValue(bytesOf("0b 00 05 00 00 00 01 ff 00")), /UTF-8/);
  assert.deepEqual(decodeValue(bytesOf("0b 00 06 00 00 00 01 ff 00")), { bin: new Uint8Array([0xff]) });
  assert.throws(() => encodeValue({ str: "\ud800" }), /surrogate/);
});

test("obj keys may be any Value and keep their order", () => {
  const value: msgpack.Value = {
    obj: [
      [{ i: 1n }, { str: "one" }],
      [{ arr: [{ b: false }] }, { nl: {} }],
      [{ str: "k" }, { bin: new Uint8Array([1]) }],
    ],
  };
  assert.deepEqual(decodeValue(encodeValue(value)), value);
});

test("trailing bytes after a standalone value are refused", () => {
  assert.throws(() => decodeValue(bytesOf("0c 00 01 00 00 00")), /1 trailing bytes/);
});
