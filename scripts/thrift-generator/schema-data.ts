/** The schema description the runtime codec walks (src/mg/thrift/schema.ts), built from the IDL: type references, fields with defaults, structs and service functions. */
import {
  type ConstValue,
  type FieldDefinition,
  type FunctionType,
  type ServiceDefinition,
  SyntaxType,
} from "@creditkarma/thrift-parser";
import type {
  FieldSchema,
  FunctionSchema,
  ScalarKind,
  StructSchema,
  ThriftFileSchema,
  TypeRef,
} from "../../src/mg/thrift/schema.js";
import { type IdlFile, resolveName, type StructLike } from "./idl.js";

/** Base types: their wire kind and their TypeScript type. */
export const BASE_TYPES: Partial<Record<SyntaxType, { kind: ScalarKind; ts: string }>> = {
  [SyntaxType.BoolKeyword]: { kind: "bool", ts: "boolean" },
  [SyntaxType.ByteKeyword]: { kind: "byte", ts: "number" },
  [SyntaxType.I8Keyword]: { kind: "byte", ts: "number" },
  [SyntaxType.I16Keyword]: { kind: "i16", ts: "number" },
  [SyntaxType.I32Keyword]: { kind: "i32", ts: "number" },
  [SyntaxType.I64Keyword]: { kind: "i64", ts: "bigint" },
  [SyntaxType.DoubleKeyword]: { kind: "double", ts: "number" },
  [SyntaxType.StringKeyword]: { kind: "string", ts: "string" },
  [SyntaxType.BinaryKeyword]: { kind: "binary", ts: "Uint8Array" },
};
/** The wire-level type: typedefs resolved away, structs and enums by qualified name. */
export function typeRefOf(scope: IdlFile, type: FunctionType, files: Map<string, IdlFile>): TypeRef {
  const base = BASE_TYPES[type.type];
  if (base !== undefined) return { kind: base.kind };
  switch (type.type) {
    case SyntaxType.ListType:
      return { kind: "list", element: typeRefOf(scope, type.valueType, files) };
    case SyntaxType.SetType:
      return { kind: "set", element: typeRefOf(scope, type.valueType, files) };
    case SyntaxType.MapType:
      return {
        kind: "map",
        key: typeRefOf(scope, type.keyType, files),
        value: typeRefOf(scope, type.valueType, files),
      };
    case SyntaxType.Identifier: {
      const { file, name } = resolveName(scope, type.value, files);
      const typedef = file.typedefs.get(name);
      if (typedef !== undefined) return typeRefOf(file, typedef, files);
      if (file.enums.has(name)) return { kind: "enum", name: `${file.id}.${name}` };
      if (file.structs.some((struct) => struct.name === name))
        return { kind: "struct", name: `${file.id}.${name}` };
      throw new Error(`proto/${scope.id}.thrift: unknown type ${type.value}`);
    }
    default:
      throw new Error(`proto/${scope.id}.thrift: ${type.type} is not a field type`);
  }
}

export function fieldSchemaOf(
  scope: IdlFile,
  field: FieldDefinition,
  options: { files: Map<string, IdlFile>; requiredness?: FieldSchema["requiredness"] },
): FieldSchema {
  if (field.fieldID === null)
    throw new Error(`proto/${scope.id}.thrift: field ${field.name.value} has no id`);
  const type = typeRefOf(scope, field.fieldType, options.files);
  const schema: FieldSchema = {
    id: field.fieldID.value,
    name: field.name.value,
    requiredness: options.requiredness ?? field.requiredness ?? "default",
    type,
  };
  if (field.defaultValue === null) return schema;
  return { ...schema, defaultValue: defaultValueOf(scope, field.defaultValue, type) };
}

export function defaultValueOf(scope: IdlFile, value: ConstValue, type: TypeRef): string | number | boolean {
  switch (value.type) {
    case SyntaxType.Identifier:
      // An enum default is written `Enum.member`; the schema keeps the member name.
      if (type.kind === "enum") return value.value.slice(value.value.lastIndexOf(".") + 1);
      break;
    case SyntaxType.IntConstant:
      return type.kind === "i64" ? value.value.value : Number(value.value.value);
    case SyntaxType.DoubleConstant:
      return Number(value.value.value);
    case SyntaxType.StringLiteral:
    case SyntaxType.BooleanLiteral:
      return value.value;
  }
  throw new Error(`proto/${scope.id}.thrift: default ${value.type} is not supported`);
}

export function structSchemaOf(
  scope: IdlFile,
  struct: StructLike,
  files: Map<string, IdlFile>,
): StructSchema {
  // The parser marks union members optional; the IDL gives them default requiredness.
  const requiredness = struct.kind === "union" ? "default" : undefined;
  return {
    name: `${scope.id}.${struct.name}`,
    kind: struct.kind,
    fields: struct.fields.map((field) =>
      fieldSchemaOf(scope, field, { files, ...(requiredness && { requiredness }) }),
    ),
  };
}

export function functionSchemaOf(
  scope: IdlFile,
  service: ServiceDefinition,
  method: ServiceDefinition["functions"][number],
  files: Map<string, IdlFile>,
): FunctionSchema {
  const prefix = `${scope.id}.${service.name.value}.${method.name.value}`;
  const returnsVoid = method.returnType.type === SyntaxType.VoidKeyword;
  const resultFields: FieldSchema[] = returnsVoid
    ? []
    : [{ id: 0, name: "success", requiredness: "default", type: typeRefOf(scope, method.returnType, files) }];
  for (const thrown of method.throws)
    resultFields.push(fieldSchemaOf(scope, thrown, { files, requiredness: "default" }));
  return {
    name: method.name.value,
    oneway: method.oneway,
    args: {
      name: `${prefix}_args`,
      kind: "struct",
      fields: method.fields.map((field) => fieldSchemaOf(scope, field, { files, requiredness: "default" })),
    },
    result: { name: `${prefix}_result`, kind: "struct", fields: resultFields },
    returnsVoid,
  };
}

export function fileSchemaOf(file: IdlFile, files: Map<string, IdlFile>): ThriftFileSchema {
  const services = file.services.map((service) => {
    const name = `${file.id}.${service.name.value}`;
    const methods = service.functions.map((method) => [
      method.name.value,
      functionSchemaOf(file, service, method, files),
    ]);
    return [name, { name, functions: Object.fromEntries(methods) }];
  });
  return {
    structs: Object.fromEntries(
      file.structs.map((struct) => [`${file.id}.${struct.name}`, structSchemaOf(file, struct, files)]),
    ),
    enums: Object.fromEntries([...file.enums].map(([name, members]) => [`${file.id}.${name}`, members])),
    services: Object.fromEntries(services),
  };
}
