/**
 * A readable JSON form of msgpack.Value that loses nothing (str vs bin, i vs flt, i64 beyond 2^53, non-string
 * object keys). The shape, value by value:
 *
 *   nl             null
 *   b              true | false
 *   str            "text"
 *   i              a JSON integer when |i| ≤ 2^53 − 1, else {"i": "<decimal>"}
 *   flt            {"flt": 1.5}          (always wrapped: 2.0 would read back as an integer)
 *   bin            {"bin": "<base64>"}
 *   arr            [ … ]
 *   obj            {"obj": [[key, value], …]}   (keys are Values too)
 *
 * On input, a JSON number with a fraction or exponent that is not an integer is accepted as flt, and {"i": n}
 * may hold a number. Any other object shape is refused with InvalidRequestError naming the path.
 */
import { InvalidRequestError } from "../../core/errors.js";
import type { msgpack } from "../thrift/generated/index.js";

type Value = msgpack.Value;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^-?\d{1,20}$/;

export function valueToJson(value: Value): JsonValue {
  if (value.nl !== undefined) return null;
  if (value.b !== undefined) return value.b;
  if (value.str !== undefined) return value.str;
  if (value.i !== undefined) {
    const small = value.i >= -BigInt(Number.MAX_SAFE_INTEGER) && value.i <= BigInt(Number.MAX_SAFE_INTEGER);
    return small ? Number(value.i) : { i: value.i.toString() };
  }
  if (value.flt !== undefined) return { flt: value.flt };
  if (value.bin !== undefined) return { bin: Buffer.from(value.bin).toString("base64") };
  if (value.arr !== undefined) return value.arr.map(valueToJson);
  if (value.obj !== undefined)
    return { obj: value.obj.map(([key, item]) => [valueToJson(key), valueToJson(item)]) };
  throw new InvalidRequestError("msgpack value has no member set", "value");
}

export function valueFromJson(json: unknown, path = "value"): Value {
  if (json === null) return { nl: {} };
  if (typeof json === "boolean") return { b: json };
  if (typeof json === "string") return { str: json };
  if (typeof json === "number") return numberValue(json, path);
  if (Array.isArray(json))
    return { arr: json.map((item, index) => valueFromJson(item, `${path}[${index}]`)) };
  if (typeof json !== "object") throw invalid(path, `${typeof json} is not JSON`);
  const keys = Object.keys(json);
  const only = keys.length === 1 ? keys[0] : undefined;
  const inner: unknown = only === undefined ? undefined : (json as Record<string, unknown>)[only];
  switch (only) {
    case "i":
      return { i: integerOf(inner, `${path}.i`) };
    case "flt":
      if (typeof inner !== "number" || !Number.isFinite(inner))
        throw invalid(`${path}.flt`, "must be a finite number");
      return { flt: inner };
    case "bin":
      if (typeof inner !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(inner)) {
        throw invalid(`${path}.bin`, "must be base64 text");
      }
      return { bin: new Uint8Array(Buffer.from(inner, "base64")) };
    case "obj":
      return { obj: entriesOf(inner, `${path}.obj`) };
    default:
      throw invalid(path, 'an object must be exactly one of {"i"}, {"flt"}, {"bin"} or {"obj"}');
  }
}

function numberValue(json: number, path: string): Value {
  if (!Number.isFinite(json)) throw invalid(path, "must be finite");
  if (!Number.isInteger(json)) return { flt: json };
  if (!Number.isSafeInteger(json))
    throw invalid(path, 'an integer beyond 2^53 must be written {"i": "<decimal>"}');
  return { i: BigInt(json) };
}

function integerOf(inner: unknown, path: string): bigint {
  let integer: bigint | undefined;
  if (typeof inner === "number" && Number.isSafeInteger(inner)) integer = BigInt(inner);
  if (typeof inner === "string" && INTEGER_TEXT.test(inner)) integer = BigInt(inner);
  if (integer === undefined || integer < I64_MIN || integer > I64_MAX) {
    throw invalid(path, "must be a 64-bit integer, as decimal text or a safe integer");
  }
  return integer;
}

function entriesOf(inner: unknown, path: string): Array<[Value, Value]> {
  if (!Array.isArray(inner)) throw invalid(path, "must be a list of [key, value] pairs");
  return inner.map((entry: unknown, index) => {
    if (!Array.isArray(entry) || entry.length !== 2)
      throw invalid(`${path}[${index}]`, "must be a [key, value] pair");
    return [valueFromJson(entry[0], `${path}[${index}][0]`), valueFromJson(entry[1], `${path}[${index}][1]`)];
  });
}

function invalid(path: string, why: string): InvalidRequestError {
  return new InvalidRequestError(`${path} ${why}`, path);
}
