/**
 * Valid values of any Thrift type, read from the schema the codec walks: every struct, union, enum and container
 * of MG's IDL, so each message type is generated without a hand-written model. Recursion (msgpack.Value is a list
 * of itself) is bounded by a budget of struct levels: past it containers are empty and unions take leaf members.
 */
import fc from "fast-check";
import type { FieldSchema, StructSchema, ThriftSchema, TypeRef } from "../../src/mg/thrift/schema.js";
import { structSchemaOf } from "../../src/mg/thrift/schema.js";

/** Struct levels with full choice; a Machine takes about five, the rest is payload. */
export const STRUCT_BUDGET_DEFAULT = 8;
const CONTAINER_LENGTH_MAX = 3;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

type Record_ = Record<string, unknown>;

const MEMO = new WeakMap<StructSchema, Map<number, fc.Arbitrary<Record_>>>();

/** Text as processors send it: short, any code point (never a lone surrogate, which has no UTF-8 form). */
const TEXT = fc.oneof(
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.constantFrom("", "ns", "id", "2024-01-01T00:00:00Z", "1970-01-01T00:00:00.000001Z"),
);

export function structArbitrary(
  schema: ThriftSchema,
  name: string,
  budget = STRUCT_BUDGET_DEFAULT,
): fc.Arbitrary<Record_> {
  return structArbitraryOf(schema, structSchemaOf(schema, name), budget);
}

/** For structs the registry does not name, such as a method's `M_args` and `M_result`. */
export function structArbitraryOf(
  schema: ThriftSchema,
  struct: StructSchema,
  budget = STRUCT_BUDGET_DEFAULT,
): fc.Arbitrary<Record_> {
  let byBudget = MEMO.get(struct);
  if (byBudget === undefined) {
    byBudget = new Map();
    MEMO.set(struct, byBudget);
  }
  // Every budget at or below 0 builds the same leaf-only arbitrary.
  const key = Math.max(budget, 0);
  const known = byBudget.get(key);
  if (known !== undefined) return known;
  const built = buildStruct(schema, struct, budget);
  byBudget.set(key, built);
  return built;
}

function buildStruct(schema: ThriftSchema, struct: StructSchema, budget: number): fc.Arbitrary<Record_> {
  if (struct.kind === "union") {
    const members = budget > 0 ? struct.fields : leafMembers(schema, struct);
    return fc.oneof(
      ...members.map((field) =>
        typeArbitrary(schema, field.type, budget - 1).map((value): Record_ => ({ [field.name]: value })),
      ),
    );
  }
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  const requiredKeys: string[] = [];
  for (const field of struct.fields) {
    model[field.name] = typeArbitrary(schema, field.type, budget - 1);
    // A field with a default is always sent, so a round trip compares equal (the decoder fills absent ones).
    if (field.requiredness === "required" || field.defaultValue !== undefined) requiredKeys.push(field.name);
  }
  return fc.record(model, { requiredKeys, noNullPrototype: true });
}

/** Union members that end the recursion: scalars, enums and structs with no fields (msgpack.Nil). */
function leafMembers(schema: ThriftSchema, struct: StructSchema): readonly FieldSchema[] {
  const leaves = struct.fields.filter((field) => {
    const { type } = field;
    if (type.kind === "list" || type.kind === "set" || type.kind === "map") return false;
    return type.kind !== "struct" || structSchemaOf(schema, type.name).fields.length === 0;
  });
  return leaves.length > 0 ? leaves : struct.fields;
}

export function typeArbitrary(schema: ThriftSchema, type: TypeRef, budget: number): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case "bool":
      return fc.boolean();
    case "byte":
      return fc.integer({ min: -128, max: 127 });
    case "i16":
      return fc.integer({ min: -32768, max: 32767 });
    case "i32":
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case "i64":
      return fc.oneof(fc.bigInt({ min: I64_MIN, max: I64_MAX }), fc.bigInt({ min: -3n, max: 1000n }));
    case "double":
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case "string":
      return TEXT;
    case "binary":
      return fc.uint8Array({ maxLength: 12 });
    case "enum": {
      const members = schema.enums[type.name];
      if (members === undefined) throw new Error(`no enum ${type.name}`);
      return fc.constantFrom(...Object.keys(members));
    }
    case "struct":
      return structArbitrary(schema, type.name, budget);
    case "list":
    case "set":
      // Past the budget a container is empty, and its element type is not even built (it may be recursive).
      if (budget <= 0) return fc.constant([]);
      return fc.array(typeArbitrary(schema, type.element, budget), { maxLength: CONTAINER_LENGTH_MAX });
    case "map": {
      if (budget <= 0) return fc.constant([]);
      const entry = fc.tuple(
        typeArbitrary(schema, type.key, budget),
        typeArbitrary(schema, type.value, budget),
      );
      return fc.array(entry, { maxLength: CONTAINER_LENGTH_MAX });
    }
  }
}

/**
 * Nodes and bytes in a decoded value. Every node costs at least one byte of input and every string byte one
 * byte, so a decoder that builds more than about twice its input has made something up (or amplified a count).
 */
export function weightOf(value: unknown): number {
  if (value instanceof Uint8Array) return 1 + value.byteLength;
  if (typeof value === "string") return 1 + Buffer.byteLength(value);
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + weightOf(item), 1);
  if (typeof value === "object" && value !== null) {
    return Object.values(value).reduce((sum: number, item) => sum + weightOf(item), 1);
  }
  return 1;
}
