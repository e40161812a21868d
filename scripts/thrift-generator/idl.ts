/** The IDL as the generator reads it: files, their includes, typedefs, enums, structs and services, and how a name resolves across included files. */
import {
  type EnumDefinition,
  type FieldDefinition,
  type FunctionType,
  parse,
  type ServiceDefinition,
  SyntaxType,
  type ThriftStatement,
} from "@creditkarma/thrift-parser";

export const STRUCT_KINDS = {
  StructDefinition: "struct",
  UnionDefinition: "union",
  ExceptionDefinition: "exception",
} as const;

export type StructLike = { kind: "struct" | "union" | "exception"; name: string; fields: FieldDefinition[] };

export interface IdlFile {
  readonly id: string;
  readonly includes: string[];
  readonly typedefs: Map<string, FunctionType>;
  readonly enums: Map<string, Record<string, number>>;
  readonly structs: StructLike[];
  readonly services: ServiceDefinition[];
}

export function loadIdl(id: string, source: string): IdlFile {
  // organize: false keeps declaration order, which decides field order on the wire.
  const document = parse(source, { organize: false });
  if (document.type === SyntaxType.ThriftErrors) {
    const problems = document.errors.map((error) => `${error.loc.start.line}: ${error.message}`);
    throw new Error(`proto/${id}.thrift does not parse:\n${problems.join("\n")}`);
  }
  const file: IdlFile = {
    id,
    includes: [],
    typedefs: new Map(),
    enums: new Map(),
    structs: [],
    services: [],
  };
  for (const statement of document.body) addStatement(file, statement);
  return file;
}

export function addStatement(file: IdlFile, statement: ThriftStatement): void {
  switch (statement.type) {
    case SyntaxType.IncludeDefinition:
      file.includes.push(statement.path.value.replace(/\.thrift$/, ""));
      return;
    case SyntaxType.TypedefDefinition:
      file.typedefs.set(statement.name.value, statement.definitionType);
      return;
    case SyntaxType.EnumDefinition:
      file.enums.set(statement.name.value, enumMembers(statement));
      return;
    case SyntaxType.StructDefinition:
    case SyntaxType.UnionDefinition:
    case SyntaxType.ExceptionDefinition: {
      const kind = STRUCT_KINDS[statement.type];
      file.structs.push({ kind, name: statement.name.value, fields: statement.fields });
      return;
    }
    case SyntaxType.ServiceDefinition:
      if (statement.extends !== null)
        throw new Error(`service ${statement.name.value}: extends is not supported`);
      file.services.push(statement);
      return;
    case SyntaxType.NamespaceDefinition:
      return;
    default:
      throw new Error(`proto/${file.id}.thrift: ${statement.type} is not supported`);
  }
}

/** Implicit values start at 0 and follow the previous member, as in Thrift. */
export function enumMembers(definition: EnumDefinition): Record<string, number> {
  const members: Record<string, number> = {};
  let next = 0;
  for (const member of definition.members) {
    const value = member.initializer === null ? next : Number(member.initializer.value.value);
    members[member.name.value] = value;
    next = value + 1;
  }
  return members;
}

export type Resolved = { file: IdlFile; name: string };

export function resolveName(scope: IdlFile, identifier: string, files: Map<string, IdlFile>): Resolved {
  const dot = identifier.indexOf(".");
  if (dot < 0) return { file: scope, name: identifier };
  const fileId = identifier.slice(0, dot);
  const file = files.get(fileId);
  if (file === undefined || (fileId !== scope.id && !scope.includes.includes(fileId))) {
    throw new Error(`proto/${scope.id}.thrift: ${identifier} names a file that is not included`);
  }
  return { file, name: identifier.slice(dot + 1) };
}
