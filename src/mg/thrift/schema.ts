/**
 * The schema description that the generated files hold and the codec walks: data, not code per type. Struct
 * references are qualified names ("state_processing.Machine") resolved through one ThriftSchema registry, which
 * is how the recursive msgpack.Value (a list of itself) stays plain data.
 */

/** Wire type bytes of the binary protocol (machinegun-protocol.md §1). */
export const TYPE_CODE = Object.freeze({
  STOP: 0x00,
  BOOL: 0x02,
  BYTE: 0x03,
  DOUBLE: 0x04,
  I16: 0x06,
  I32: 0x08,
  I64: 0x0a,
  STRING: 0x0b,
  STRUCT: 0x0c,
  MAP: 0x0d,
  SET: 0x0e,
  LIST: 0x0f,
});

export type ScalarKind = "bool" | "byte" | "i16" | "i32" | "i64" | "double" | "string" | "binary";

/** A field's type. Typedefs are resolved away by the generator: only wire-relevant types remain. */
export type TypeRef =
  | { readonly kind: ScalarKind }
  | { readonly kind: "struct"; readonly name: string }
  | { readonly kind: "enum"; readonly name: string }
  | { readonly kind: "list"; readonly element: TypeRef }
  | { readonly kind: "set"; readonly element: TypeRef }
  | { readonly kind: "map"; readonly key: TypeRef; readonly value: TypeRef };

/** `default` is the IDL's "no keyword": written when set, not checked on read. */
export type Requiredness = "required" | "optional" | "default";

export interface FieldSchema {
  readonly id: number;
  readonly name: string;
  readonly requiredness: Requiredness;
  readonly type: TypeRef;
  /** Taken on decode when the field is absent: an enum member name, a number, a string, a boolean. */
  readonly defaultValue?: string | number | boolean;
}

export interface StructSchema {
  /** Qualified: "<idl file>.<Name>". */
  readonly name: string;
  readonly kind: "struct" | "union" | "exception";
  readonly fields: readonly FieldSchema[];
}

/** Member name → value. Values travel as i32; TypeScript sees the member names. */
export type EnumSchema = Readonly<Record<string, number>>;

export interface FunctionSchema {
  /** The wire name: the method name, no service prefix. */
  readonly name: string;
  readonly oneway: boolean;
  /** The implicit `M_args` struct. */
  readonly args: StructSchema;
  /** The implicit `M_result` struct: field 0 `success` (absent for void) and one field per `throws` entry. */
  readonly result: StructSchema;
  readonly returnsVoid: boolean;
}

export interface ServiceSchema {
  readonly name: string;
  readonly functions: Readonly<Record<string, FunctionSchema>>;
}

/** What one generated file declares, keyed by qualified name. */
export interface ThriftFileSchema {
  readonly structs: Readonly<Record<string, StructSchema>>;
  readonly enums: Readonly<Record<string, EnumSchema>>;
  readonly services: Readonly<Record<string, ServiceSchema>>;
}

/** The registry the codec resolves names in: every file of a protocol merged. */
export type ThriftSchema = ThriftFileSchema;

declare const VALUE_TYPE: unique symbol;

/** A struct's qualified name, carrying its TypeScript type so encode and decode are typed. */
export type StructName<T> = string & { readonly [VALUE_TYPE]?: T };

/** A service's qualified name, carrying the map of its methods. */
export type ServiceName<Methods> = string & { readonly [VALUE_TYPE]?: Methods };

/** One method as the generated `<Service>Methods` maps describe it. */
export interface MethodTypes {
  readonly args: object;
  /** `undefined` for void methods. */
  readonly success: unknown;
  /** The declared exceptions by `throws` field name. */
  readonly exceptions: object;
}

export type MethodMap = { readonly [method: string]: MethodTypes };

/** The wire type byte of a declared type. */
export function typeCodeOf(type: TypeRef): number {
  switch (type.kind) {
    case "bool":
      return TYPE_CODE.BOOL;
    case "byte":
      return TYPE_CODE.BYTE;
    case "i16":
      return TYPE_CODE.I16;
    case "i32":
    case "enum":
      return TYPE_CODE.I32;
    case "i64":
      return TYPE_CODE.I64;
    case "double":
      return TYPE_CODE.DOUBLE;
    case "string":
    case "binary":
      return TYPE_CODE.STRING;
    case "struct":
      return TYPE_CODE.STRUCT;
    case "list":
      return TYPE_CODE.LIST;
    case "set":
      return TYPE_CODE.SET;
    case "map":
      return TYPE_CODE.MAP;
  }
}

/** Looks a struct up by qualified name; a missing one is a bug in the generated schema. */
export function structSchemaOf(schema: ThriftSchema, name: string): StructSchema {
  const struct = schema.structs[name];
  if (struct === undefined) throw new Error(`thrift schema has no struct ${name}`);
  return struct;
}

/** Looks a service up by qualified name; a missing one is a bug in the generated schema. */
export function serviceSchemaOf(schema: ThriftSchema, name: string): ServiceSchema {
  const service = schema.services[name];
  if (service === undefined) throw new Error(`thrift schema has no service ${name}`);
  return service;
}
