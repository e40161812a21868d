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
 * may hold a number. Any other object shape is refused with InvalidRequestError naming the path, and so is
 * anything that could not be stored: text with a lone surrogate, or nesting past the codec's bound.
 */
import { InvalidRequestError } from "../../core/errors.js";
import type { msgpack } from "../thrift/generated/index.js";
import { NESTING_DEPTH_MAX } from "../thrift/limits.js";

type Value = msgpack.Value;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^-?\d{1,20}$/;
/** A lone UTF-16 surrogate has no UTF-8 form (JSON text can carry one as `\ud800`). */
const LONE_SURROGATE = /\p{Cs}/u;

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
  return fromJson(json, path, 1);
}

/**
 * `depth` counts the struct levels of the Value's Thrift encoding, one per Value and one more for nl's Nil:
 * deeper JSON could never be stored, and refusing it also bounds this recursion (JSON.parse reads 100 000
 * nested arrays, which would overflow the stack here).
 */
function fromJson(json: unknown, path: string, depth: number): Value {
  if (depth + (json === null ? 1 : 0) > NESTING_DEPTH_MAX) {
    throw invalid(path, `nests deeper than ${NESTING_DEPTH_MAX} levels`);
  }
  if (json === null) return { nl: {} };
  if (typeof json === "boolean") return { b: json };
  if (typeof json === "string") {
    if (LONE_SURROGATE.test(json)) throw invalid(path, "has a lone surrogate, which UTF-8 cannot hold");
    return { str: json };
  }
  if (typeof json === "number") return numberValue(json, path);
  if (Array.isArray(json))
    return { arr: json.map((item, index) => fromJson(item, `${path}[${index}]`, depth + 1)) };
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
      // Only the one base64 form of some bytes, as valueToJson writes it: Node's decoder silently drops
      // stray characters and incomplete groups ("A" would read as no bytes at all).
      if (typeof inner !== "string" || Buffer.from(inner, "base64").toString("base64") !== inner) {
        throw invalid(`${path}.bin`, "must be padded base64 text");
      }
      return { bin: new Uint8Array(Buffer.from(inner, "base64")) };
    case "obj":
      return { obj: entriesOf(inner, `${path}.obj`, depth) };
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

function entriesOf(inner: unknown, path: string, depth: number): Array<[Value, Value]> {
  if (!Array.isArray(inner)) throw invalid(path, "must be a list of [key, value] pairs");
  return inner.map((entry: unknown, index) => {
    if (!Array.isArray(entry) || entry.length !== 2)
      throw invalid(`${path}[${index}]`, "must be a [key, value] pair");
    const at = `${path}[${index}]`;
    return [fromJson(entry[0], `${at}[0]`, depth + 1), fromJson(entry[1], `${at}[1]`, depth + 1)];
  });
}

function invalid(path: string, why: string): InvalidRequestError {
  return new InvalidRequestError(`${path} ${why}`, path);
}
