/**
 * The msgpack.Value model and its stored form. For MG namespaces an engine payload (event body, aux state,
 * arguments, response) is exactly the Thrift binary encoding of one msgpack.Value union, as encodeValue writes
 * it. Also: a lossless JSON form, and plain-JS conversions for local TypeScript processors.
 */
import { MG_SCHEMA, msgpack } from "../thrift/generated/index.js";
import type { CodecOptions } from "../thrift/limits.js";
import { decodeStruct } from "../thrift/struct-decoder.js";
import { encodeStruct } from "../thrift/struct-encoder.js";

export type Value = msgpack.Value;

export { type JsonValue, valueFromJson, valueToJson } from "./msgpack-json.js";
export { type PlainValue, plain, value } from "./msgpack-plain.js";

export const NIL: Value = Object.freeze({ nl: Object.freeze({}) });

/** The Thrift binary encoding of the Value union on its own (no message header). */
export function encodeValue(value: Value, options?: CodecOptions): Uint8Array {
  return encodeStruct(MG_SCHEMA, msgpack.STRUCT.Value, value, options);
}

/** Inverse of encodeValue; throws ThriftDecodeError on anything that is not exactly one Value. */
export function decodeValue(bytes: Uint8Array, options?: CodecOptions): Value {
  return decodeStruct(MG_SCHEMA, msgpack.STRUCT.Value, bytes, options);
}

/** The member a Value carries, for switch statements. */
export type ValueKind = "nl" | "b" | "i" | "flt" | "str" | "bin" | "obj" | "arr";

export function kindOf(value: Value): ValueKind {
  if (value.nl !== undefined) return "nl";
  if (value.b !== undefined) return "b";
  if (value.i !== undefined) return "i";
  if (value.flt !== undefined) return "flt";
  if (value.str !== undefined) return "str";
  if (value.bin !== undefined) return "bin";
  if (value.obj !== undefined) return "obj";
  return "arr";
}
