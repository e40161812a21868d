/**
 * Natural JSON: the form of payloads in the JSON API, the SDK, the HTTP-JSON processor protocol and the CLI. A
 * plain JSON value is itself (`{"amount": 100}` is an object with an integer), and what JSON lacks has one escape
 * form that cannot be mistaken for user data. Value by value:
 *
 *   nl      null
 *   b       true | false
 *   str     "text"
 *   i       a JSON integer when |i| ≤ 2^53 − 1, else {"$int": "<decimal>"}
 *   flt     a JSON number when it is not integral, else {"$float": 2} (and {"$float": "-0"}); never NaN or
 *           an infinity, which Erlang peers cannot read and the codec refuses
 *   bin     {"$bytes": "<base64>"}
 *   arr     [ … ]
 *   obj     {"key": value, …} when every key is a str, the keys are distinct, none is an array index ("0",
 *           "12": JavaScript would reorder them) and it is not one key that begins with "$"; else
 *           {"$map": [[key, value], …]}
 *
 * The rule that keeps escapes apart from data: an object with exactly one key that begins with "$" is always an
 * escape. On input an unknown escape is refused; a user object of that shape is written as a `$map`, and Ratchet
 * writes it so on output. Decoding is bounded like the codec (nesting, lone surrogates) and every refusal is an
 * InvalidRequestError naming the path.
 */
import { InvalidRequestError } from "../../core/errors.js";
import type { msgpack } from "../thrift/generated/index.js";
import { NESTING_DEPTH_MAX } from "../thrift/limits.js";

type Value = msgpack.Value;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export const ESCAPE = Object.freeze({
  int: "$int",
  float: "$float",
  bytes: "$bytes",
  map: "$map",
});

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INTEGER_TEXT = /^-?\d{1,20}$/;
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const LONE_SURROGATE = /\p{Cs}/u;
/** The one float JSON cannot write as a number. */
const NEGATIVE_ZERO = "-0";

export function valueToNaturalJson(value: Value): JsonValue {
  if (value.nl !== undefined) return null;
  if (value.b !== undefined) return value.b;
  if (value.str !== undefined) return value.str;
  if (value.i !== undefined) {
    return value.i >= -SAFE && value.i <= SAFE ? Number(value.i) : { [ESCAPE.int]: value.i.toString() };
  }
  if (value.flt !== undefined) return floatToJson(value.flt);
  if (value.bin !== undefined) return { [ESCAPE.bytes]: Buffer.from(value.bin).toString("base64") };
  if (value.arr !== undefined) return value.arr.map(valueToNaturalJson);
  if (value.obj !== undefined) return objectToJson(value.obj);
  throw new InvalidRequestError("msgpack value has no member set", "value");
}

function floatToJson(float: number): JsonValue {
  if (Object.is(float, -0)) return { [ESCAPE.float]: NEGATIVE_ZERO };
  return Number.isInteger(float) ? { [ESCAPE.float]: float } : float;
}

function objectToJson(pairs: readonly (readonly [Value, Value])[]): JsonValue {
  const keys = pairs.map(([key]) => key.str);
  const plain =
    keys.every((key): key is string => key !== undefined && !ARRAY_INDEX.test(key)) &&
    new Set(keys).size === keys.length &&
    !(keys.length === 1 && keys[0]?.startsWith("$"));
  if (!plain)
    return { [ESCAPE.map]: pairs.map(([key, item]) => [valueToNaturalJson(key), valueToNaturalJson(item)]) };
  const object: Record<string, JsonValue> = {};
  for (const [key, item] of pairs) object[key.str as string] = valueToNaturalJson(item);
  return object;
}

export function valueFromNaturalJson(json: unknown, path = "value"): Value {
  return fromJson(json, path, 1);
}

/** `depth` counts struct levels of the Value's Thrift encoding (one per Value, one more for nl's Nil). */
function fromJson(json: unknown, path: string, depth: number): Value {
  if (depth + (json === null ? 1 : 0) > NESTING_DEPTH_MAX) {
    throw invalid(path, `nests deeper than ${NESTING_DEPTH_MAX} levels`);
  }
  if (json === null) return { nl: {} };
  if (typeof json === "boolean") return { b: json };
  if (typeof json === "string") return { str: checkedText(json, path) };
  if (typeof json === "number") return numberOf(json, path);
  if (Array.isArray(json))
    return { arr: json.map((item, index) => fromJson(item, `${path}[${index}]`, depth + 1)) };
  if (typeof json === "object") return objectOf(json as Record<string, unknown>, path, depth);
  throw invalid(path, `is not JSON (${typeof json})`);
}

function numberOf(json: number, path: string): Value {
  if (!Number.isFinite(json)) throw invalid(path, "is not a finite number");
  if (!Number.isInteger(json)) return { flt: json };
  if (!Number.isSafeInteger(json)) {
    throw invalid(path, `is an integer beyond 2^53; write it as {"${ESCAPE.int}": "<decimal>"}`);
  }
  return { i: BigInt(json) };
}

function objectOf(json: Record<string, unknown>, path: string, depth: number): Value {
  const keys = Object.keys(json);
  const [only] = keys;
  if (keys.length === 1 && only?.startsWith("$")) return escapeOf(only, json[only], path, depth);
  return {
    obj: keys.map((key) => [
      { str: checkedText(key, `${path} key`) },
      fromJson(json[key], `${path}.${key}`, depth + 1),
    ]),
  };
}

function escapeOf(escapeName: string, body: unknown, path: string, depth: number): Value {
  const at = `${path}.${escapeName}`;
  switch (escapeName) {
    case ESCAPE.int: {
      const text = typeof body === "number" && Number.isSafeInteger(body) ? String(body) : body;
      if (typeof text !== "string" || !INTEGER_TEXT.test(text))
        throw invalid(at, "must be a decimal integer");
      const integer = BigInt(text);
      if (integer < I64_MIN || integer > I64_MAX) throw invalid(at, "is outside the 64-bit range");
      return { i: integer };
    }
    case ESCAPE.float: {
      if (typeof body === "number" && Number.isFinite(body)) return { flt: body };
      if (body === NEGATIVE_ZERO) return { flt: -0 };
      throw invalid(at, 'must be a finite number, or "-0"');
    }
    case ESCAPE.bytes: {
      if (typeof body !== "string" || !BASE64.test(body)) throw invalid(at, "must be padded base64");
      return { bin: new Uint8Array(Buffer.from(body, "base64")) };
    }
    case ESCAPE.map: {
      if (!Array.isArray(body)) throw invalid(at, "must be a list of [key, value] pairs");
      return { obj: body.map((pair, index) => pairOf(pair, `${at}[${index}]`, depth)) };
    }
    default:
      throw invalid(
        path,
        `is an escape ("${escapeName}") that is not one of ${Object.values(ESCAPE).join(", ")}; write an object with one key beginning with "$" as {"${ESCAPE.map}": [["${escapeName}", …]]}`,
      );
  }
}

function pairOf(pair: unknown, path: string, depth: number): readonly [Value, Value] {
  if (!Array.isArray(pair) || pair.length !== 2) throw invalid(path, "must be a [key, value] pair");
  return [fromJson(pair[0], `${path}[0]`, depth + 1), fromJson(pair[1], `${path}[1]`, depth + 1)];
}

function checkedText(text: string, path: string): string {
  if (LONE_SURROGATE.test(text)) throw invalid(path, "holds a lone surrogate, which UTF-8 cannot carry");
  return text;
}

function invalid(path: string, why: string): InvalidRequestError {
  return new InvalidRequestError(`${path} ${why}`, path);
}

/** Stored payload bytes that are no msgpack Value (a local processor may write such bytes) read as this. */
export const RAW_PAYLOAD = "$raw";

/**
 * A stored payload (the Thrift encoding of one Value) in natural JSON. No bytes (the aux state of a machine no step
 * has set) read as null; bytes that are not one Value as {"$raw": "<base64>"}, an output-only form.
 */
export function payloadToNaturalJson(bytes: Uint8Array, decode: (bytes: Uint8Array) => Value): JsonValue {
  if (bytes.byteLength === 0) return null;
  try {
    return valueToNaturalJson(decode(bytes));
  } catch {
    // Not one Value: shown as its bytes, so a reader sees what is stored rather than an error.
    return { [RAW_PAYLOAD]: Buffer.from(bytes).toString("base64") };
  }
}
