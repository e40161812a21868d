/**
 * Schema-driven encoding of structs, unions and exceptions. Fields are written in declaration order, as Erlang
 * writers do, so golden bytes match. Refuses what an Erlang peer would refuse: a missing required field, a union
 * without exactly one field, out-of-range integers, NaN or ±Infinity, text that is not valid Unicode.
 */
import { BinaryWriter } from "./binary-writer.js";
import { ThriftEncodeError } from "./errors.js";
import { type CodecOptions, NESTING_DEPTH_MAX } from "./limits.js";
import type { StructName, StructSchema, ThriftSchema, TypeRef } from "./schema.js";
import { structSchemaOf, TYPE_CODE, typeCodeOf } from "./schema.js";

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
/** A lone UTF-16 surrogate has no UTF-8 form; TextEncoder would silently replace it. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A struct value encoded once, to be written as it is wherever a value of that struct is expected: a value sent
 * again and again (a machine's history events, in every call to its processor) is encoded once, not per message.
 */
export class EncodedStruct {
  constructor(
    /** The qualified struct name the bytes encode. */
    readonly structName: string,
    /** The struct's fields and its STOP byte, as writeStruct writes them. */
    readonly bytes: Uint8Array,
    /** The struct levels the value nests, itself included: it counts against the bound where it is written. */
    readonly levels: number,
  ) {}
}

/**
 * Encodes `value` now and returns it as a stand-in typed as the value itself, so it can sit in a message's
 * arguments; only this codec's encoder reads it (it is no plain value for anything else to look into).
 */
export function preencodeStruct<T>(
  schema: ThriftSchema,
  name: StructName<T>,
  value: NoInfer<T>,
  options: CodecOptions = {},
): T {
  const writer = new BinaryWriter();
  const context = encodeContextOf(schema, options);
  writeStruct(writer, context, structSchemaOf(schema, name), value, 1);
  return new EncodedStruct(name, writer.finish(), context.deepest) as unknown as T;
}

interface EncodeContext {
  readonly schema: ThriftSchema;
  readonly depthMax: number;
  /** The deepest struct level written so far. */
  deepest: number;
}

/** The binary encoding of one struct value, without a message header (Kafka values, stored payloads). */
export function encodeStruct<T>(
  schema: ThriftSchema,
  name: StructName<T>,
  value: NoInfer<T>,
  options: CodecOptions = {},
): Uint8Array {
  const writer = new BinaryWriter();
  writeStruct(writer, encodeContextOf(schema, options), structSchemaOf(schema, name), value, 1);
  return writer.finish();
}

export function encodeContextOf(schema: ThriftSchema, options: CodecOptions = {}): EncodeContext {
  return { schema, depthMax: options.nestingDepthMax ?? NESTING_DEPTH_MAX, deepest: 0 };
}

export function writeStruct(
  writer: BinaryWriter,
  context: EncodeContext,
  struct: StructSchema,
  value: unknown,
  depth: number,
): void {
  if (value instanceof EncodedStruct) {
    writeEncoded(writer, context, struct, value, depth);
    return;
  }
  if (depth > context.depthMax) throw new ThriftEncodeError(`nesting deeper than ${context.depthMax} levels`);
  if (depth > context.deepest) context.deepest = depth;
  if (typeof value !== "object" || value === null)
    throw new ThriftEncodeError(`expected ${struct.name} object`);
  const record = value as Record<string, unknown>;
  let present = 0;
  for (const field of struct.fields) {
    const fieldValue = record[field.name];
    if (fieldValue === undefined) {
      if (field.requiredness === "required") {
        throw new ThriftEncodeError(`required field ${field.name} of ${struct.name} is missing`);
      }
      continue;
    }
    present += 1;
    writer.writeUnsignedByte(typeCodeOf(field.type));
    writer.writeI16(field.id);
    try {
      writeValue(writer, context, field.type, fieldValue, depth);
    } catch (error) {
      throw error instanceof ThriftEncodeError ? error.within(`.${field.name}`) : error;
    }
  }
  if (struct.kind === "union" && present !== 1) {
    throw new ThriftEncodeError(`union ${struct.name} must have exactly one field set, has ${present}`);
  }
  writer.writeUnsignedByte(TYPE_CODE.STOP);
}

function writeEncoded(
  writer: BinaryWriter,
  context: EncodeContext,
  struct: StructSchema,
  value: EncodedStruct,
  depth: number,
): void {
  if (value.structName !== struct.name) {
    throw new ThriftEncodeError(`expected ${struct.name}, got an encoded ${value.structName}`);
  }
  const deepest = depth + value.levels - 1;
  if (deepest > context.depthMax)
    throw new ThriftEncodeError(`nesting deeper than ${context.depthMax} levels`);
  if (deepest > context.deepest) context.deepest = deepest;
  writer.writeRaw(value.bytes);
}

function writeValue(
  writer: BinaryWriter,
  context: EncodeContext,
  type: TypeRef,
  value: unknown,
  depth: number,
): void {
  switch (type.kind) {
    case "bool":
      if (typeof value !== "boolean") throw mismatch("boolean", value);
      writer.writeUnsignedByte(value ? 1 : 0);
      return;
    case "byte":
      writer.writeByte(integerIn(value, 8));
      return;
    case "i16":
      writer.writeI16(integerIn(value, 16));
      return;
    case "i32":
      writer.writeI32(integerIn(value, 32));
      return;
    case "i64":
      if (typeof value !== "bigint") throw mismatch("bigint", value);
      if (value < I64_MIN || value > I64_MAX) throw new ThriftEncodeError(`${value} does not fit in i64`);
      writer.writeI64(value);
      return;
    case "double":
      if (typeof value !== "number") throw mismatch("number", value);
      if (!Number.isFinite(value))
        throw new ThriftEncodeError(`${value} cannot be sent: Erlang peers reject it`);
      writer.writeDouble(value);
      return;
    case "string":
      if (typeof value !== "string") throw mismatch("string", value);
      if (LONE_SURROGATE.test(value))
        throw new ThriftEncodeError("string has a lone surrogate (not valid UTF-8)");
      writer.writeString(value);
      return;
    case "binary":
      if (!(value instanceof Uint8Array)) throw mismatch("Uint8Array", value);
      writer.writeBinary(value);
      return;
    case "enum":
      writer.writeI32(enumValueOf(context.schema, type.name, value));
      return;
    case "struct":
      writeStruct(writer, context, structSchemaOf(context.schema, type.name), value, depth + 1);
      return;
    case "list":
    case "set":
      writeList(writer, context, type.element, value, depth);
      return;
    case "map":
      writeMap(writer, context, type, value, depth);
      return;
  }
}

function writeList(
  writer: BinaryWriter,
  context: EncodeContext,
  element: TypeRef,
  value: unknown,
  depth: number,
) {
  if (!Array.isArray(value)) throw mismatch("array", value);
  // The declared element type goes on the wire even for an empty list: Erlang peers check it.
  writer.writeUnsignedByte(typeCodeOf(element));
  writer.writeI32(value.length);
  for (let index = 0; index < value.length; index += 1) {
    try {
      writeValue(writer, context, element, value[index], depth);
    } catch (error) {
      throw error instanceof ThriftEncodeError ? error.within(`[${index}]`) : error;
    }
  }
}

function writeMap(
  writer: BinaryWriter,
  context: EncodeContext,
  type: { readonly key: TypeRef; readonly value: TypeRef },
  value: unknown,
  depth: number,
) {
  if (!Array.isArray(value)) throw mismatch("array of [key, value] entries", value);
  writer.writeUnsignedByte(typeCodeOf(type.key));
  writer.writeUnsignedByte(typeCodeOf(type.value));
  writer.writeI32(value.length);
  for (let index = 0; index < value.length; index += 1) {
    const entry: unknown = value[index];
    try {
      if (!Array.isArray(entry) || entry.length !== 2) throw mismatch("[key, value] entry", entry);
      writeValue(writer, context, type.key, entry[0], depth);
      writeValue(writer, context, type.value, entry[1], depth);
    } catch (error) {
      throw error instanceof ThriftEncodeError ? error.within(`[${index}]`) : error;
    }
  }
}

function integerIn(value: unknown, bits: 8 | 16 | 32): number {
  if (typeof value !== "number" || !Number.isInteger(value)) throw mismatch("integer", value);
  const limit = 2 ** (bits - 1);
  if (value < -limit || value >= limit) throw new ThriftEncodeError(`${value} does not fit in ${bits} bits`);
  return value;
}

function enumValueOf(schema: ThriftSchema, name: string, value: unknown): number {
  const members = schema.enums[name];
  if (members === undefined) throw new Error(`thrift schema has no enum ${name}`);
  const number = typeof value === "string" && Object.hasOwn(members, value) ? members[value] : undefined;
  if (number === undefined) throw new ThriftEncodeError(`${String(value)} is not a member of enum ${name}`);
  return number;
}

function mismatch(expected: string, value: unknown): ThriftEncodeError {
  const actual = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  return new ThriftEncodeError(`expected ${expected}, got ${actual}`);
}
