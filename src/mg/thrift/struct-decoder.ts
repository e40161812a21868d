/**
 * Schema-driven decoding of structs, unions and exceptions, checking what Erlang readers check: required fields
 * present, unions with exactly one field, container element types as declared, enum values known. Unknown fields
 * (and known ids with another wire type) are skipped. Bounded: see binary-reader.ts and limits.ts.
 */
import { BinaryReader, minimumBytesOf } from "./binary-reader.js";
import { ThriftDecodeError } from "./errors.js";
import { type CodecOptions, NESTING_DEPTH_MAX } from "./limits.js";
import type { EnumSchema, FieldSchema, StructName, StructSchema, ThriftSchema, TypeRef } from "./schema.js";
import { structSchemaOf, TYPE_CODE, typeCodeOf } from "./schema.js";
import { skipValue } from "./skip.js";

export interface DecodeContext {
  readonly schema: ThriftSchema;
  readonly depthMax: number;
}

/** Decodes one struct value that must span `bytes` exactly (trailing bytes are an error). */
export function decodeStruct<T>(
  schema: ThriftSchema,
  name: StructName<T>,
  bytes: Uint8Array,
  options: CodecOptions = {},
): T {
  const reader = new BinaryReader(bytes);
  const value = readStruct(reader, decodeContextOf(schema, options), structSchemaOf(schema, name), 1);
  if (reader.remainingBytes !== 0) throw new ThriftDecodeError(`${reader.remainingBytes} trailing bytes`);
  return value as T;
}

export function decodeContextOf(schema: ThriftSchema, options: CodecOptions = {}): DecodeContext {
  return { schema, depthMax: options.nestingDepthMax ?? NESTING_DEPTH_MAX };
}

export function readStruct(
  reader: BinaryReader,
  context: DecodeContext,
  struct: StructSchema,
  depth: number,
): Record<string, unknown> {
  if (depth > context.depthMax) throw new ThriftDecodeError(`nesting deeper than ${context.depthMax} levels`);
  const fields = fieldsById(struct);
  const result: Record<string, unknown> = {};
  let present = 0;
  for (;;) {
    const typeCode = reader.readUnsignedByte();
    if (typeCode === TYPE_CODE.STOP) break;
    const field = fields.get(reader.readI16());
    if (field === undefined || typeCodeOf(field.type) !== typeCode) {
      skipValue(reader, typeCode, depth + 1, context.depthMax);
      continue;
    }
    if (result[field.name] === undefined) present += 1;
    try {
      result[field.name] = readValue(reader, context, field.type, depth);
    } catch (error) {
      throw error instanceof ThriftDecodeError ? error.within(`.${field.name}`) : error;
    }
  }
  if (struct.kind === "union" && present !== 1) {
    throw new ThriftDecodeError(`union ${struct.name} must have exactly one field set, has ${present}`);
  }
  for (const field of struct.fields) {
    if (result[field.name] !== undefined) continue;
    if (field.requiredness === "required") {
      throw new ThriftDecodeError(`required field ${field.name} of ${struct.name} is missing`);
    }
    if (field.defaultValue !== undefined) result[field.name] = defaultOf(field);
  }
  return result;
}

function readValue(reader: BinaryReader, context: DecodeContext, type: TypeRef, depth: number): unknown {
  switch (type.kind) {
    case "bool":
      // Readers treat any non-zero byte as true.
      return reader.readUnsignedByte() !== 0;
    case "byte":
      return reader.readByte();
    case "i16":
      return reader.readI16();
    case "i32":
      return reader.readI32();
    case "i64":
      return reader.readI64();
    case "double": {
      const value = reader.readDouble();
      if (!Number.isFinite(value))
        throw new ThriftDecodeError(`${value} is not allowed: Erlang peers reject it`);
      return value;
    }
    case "string":
      return reader.readString();
    case "binary":
      return reader.readBinary();
    case "enum":
      return enumMemberOf(context.schema, type.name, reader.readI32());
    case "struct":
      return readStruct(reader, context, structSchemaOf(context.schema, type.name), depth + 1);
    case "list":
    case "set":
      return readList(reader, context, type.element, depth);
    case "map":
      return readMap(reader, context, type, depth);
  }
}

function readList(reader: BinaryReader, context: DecodeContext, element: TypeRef, depth: number): unknown[] {
  const elementType = reader.readUnsignedByte();
  expectType(elementType, element, "list element");
  const count = reader.readCount(minimumBytesOf(elementType), "list");
  const result: unknown[] = [];
  for (let index = 0; index < count; index += 1) {
    try {
      result.push(readValue(reader, context, element, depth));
    } catch (error) {
      throw error instanceof ThriftDecodeError ? error.within(`[${index}]`) : error;
    }
  }
  return result;
}

function readMap(
  reader: BinaryReader,
  context: DecodeContext,
  type: { readonly key: TypeRef; readonly value: TypeRef },
  depth: number,
): Array<[unknown, unknown]> {
  const keyType = reader.readUnsignedByte();
  const valueType = reader.readUnsignedByte();
  expectType(keyType, type.key, "map key");
  expectType(valueType, type.value, "map value");
  const count = reader.readCount(minimumBytesOf(keyType) + minimumBytesOf(valueType), "map");
  const result: Array<[unknown, unknown]> = [];
  for (let index = 0; index < count; index += 1) {
    try {
      const key = readValue(reader, context, type.key, depth);
      result.push([key, readValue(reader, context, type.value, depth)]);
    } catch (error) {
      throw error instanceof ThriftDecodeError ? error.within(`[${index}]`) : error;
    }
  }
  return result;
}

/** Erlang peers compare container type bytes with the schema, even for empty containers. */
function expectType(actual: number, declared: TypeRef, what: string): void {
  const expected = typeCodeOf(declared);
  if (actual !== expected) {
    throw new ThriftDecodeError(`${what} type is 0x${hex(actual)}, the schema declares 0x${hex(expected)}`);
  }
}

const FIELDS_BY_ID = new WeakMap<StructSchema, Map<number, FieldSchema>>();

function fieldsById(struct: StructSchema): Map<number, FieldSchema> {
  let fields = FIELDS_BY_ID.get(struct);
  if (fields === undefined) {
    fields = new Map(struct.fields.map((field) => [field.id, field]));
    FIELDS_BY_ID.set(struct, fields);
  }
  return fields;
}

const MEMBERS_BY_VALUE = new WeakMap<EnumSchema, Map<number, string>>();

function enumMemberOf(schema: ThriftSchema, name: string, value: number): string {
  const members = schema.enums[name];
  if (members === undefined) throw new Error(`thrift schema has no enum ${name}`);
  let byValue = MEMBERS_BY_VALUE.get(members);
  if (byValue === undefined) {
    byValue = new Map(Object.entries(members).map(([member, number]) => [number, member]));
    MEMBERS_BY_VALUE.set(members, byValue);
  }
  const member = byValue.get(value);
  if (member === undefined) throw new ThriftDecodeError(`${value} is not a value of enum ${name}`);
  return member;
}

function defaultOf(field: FieldSchema): unknown {
  return field.type.kind === "i64" ? BigInt(field.defaultValue as string | number) : field.defaultValue;
}

function hex(typeCode: number): string {
  return typeCode.toString(16).padStart(2, "0");
}
