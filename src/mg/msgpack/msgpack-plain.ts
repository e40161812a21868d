/**
 * Plain JavaScript ↔ msgpack.Value, for local TypeScript processors that would rather write `{count: 1}` than
 * `{obj: [[{str: "count"}, {i: 1n}]]}`. Convenient rather than lossless: an integral number becomes `i`, so
 * `flt 2.0` comes back from plain() as 2 and goes in again as `i 2`. Use the Value model when that matters.
 */
import { InvalidRequestError } from "../../core/errors.js";
import type { msgpack } from "../thrift/generated/index.js";
import { NESTING_DEPTH_MAX } from "../thrift/limits.js";

type Value = msgpack.Value;

export type PlainValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly PlainValue[]
  | ReadonlyMap<PlainValue, PlainValue>
  | { readonly [key: string]: PlainValue };

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
/** A lone UTF-16 surrogate has no UTF-8 form, so such text could never be stored. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * null → nl, boolean → b, bigint → i, integral number → i (other numbers → flt), string → str,
 * Uint8Array → bin, array → arr, Map → obj, plain object → obj with str keys. What could not be stored (text
 * with a lone surrogate, nesting past the codec's bound, a cycle) is refused with InvalidRequestError.
 */
export function value(js: PlainValue, path = "value"): Value {
  return valueAt(js, path, 1);
}

/** `depth` counts struct levels of the Thrift encoding: one per Value, one more for nl's Nil. */
function valueAt(js: PlainValue, path: string, depth: number): Value {
  if (depth + (js === null ? 1 : 0) > NESTING_DEPTH_MAX) {
    throw new InvalidRequestError(`${path} nests deeper than ${NESTING_DEPTH_MAX} levels`, path);
  }
  if (js === null) return { nl: {} };
  if (typeof js === "boolean") return { b: js };
  if (typeof js === "string") return { str: textOf(js, path) };
  if (typeof js === "bigint") {
    if (js < I64_MIN || js > I64_MAX)
      throw new InvalidRequestError(`${path} ${js} does not fit in i64`, path);
    return { i: js };
  }
  if (typeof js === "number") return numberValue(js, path);
  if (js instanceof Uint8Array) return { bin: js };
  if (Array.isArray(js))
    return { arr: js.map((item: PlainValue, index) => valueAt(item, `${path}[${index}]`, depth + 1)) };
  if (js instanceof Map) {
    return {
      obj: [...js].map(([key, item], index) => [
        valueAt(key, `${path}<key ${index}>`, depth + 1),
        valueAt(item, `${path}.${index}`, depth + 1),
      ]),
    };
  }
  if (typeof js === "object" && Object.getPrototypeOf(js) === Object.prototype) {
    const entries = Object.entries(js as { readonly [key: string]: PlainValue });
    return {
      obj: entries.map(([key, item]) => [
        { str: textOf(key, `${path}<key ${key}>`) },
        valueAt(item, `${path}.${key}`, depth + 1),
      ]),
    };
  }
  throw new InvalidRequestError(
    `${path} is not null, boolean, number, bigint, string, bytes, array or object`,
    path,
  );
}

function textOf(text: string, path: string): string {
  if (LONE_SURROGATE.test(text)) {
    throw new InvalidRequestError(`${path} has a lone surrogate, which UTF-8 cannot hold`, path);
  }
  return text;
}

function numberValue(js: number, path: string): Value {
  if (!Number.isFinite(js)) throw new InvalidRequestError(`${path} ${js} has no msgpack form`, path);
  if (Number.isInteger(js) && BigInt(js) >= I64_MIN && BigInt(js) <= I64_MAX) return { i: BigInt(js) };
  return { flt: js };
}

/**
 * nl → null, b → boolean, i → number when within ±(2^53 − 1) else bigint, flt → number, str → string,
 * bin → Uint8Array, arr → array, obj → a plain object when every key is str, else a Map.
 */
export function plain(input: Value): PlainValue {
  if (input.nl !== undefined) return null;
  if (input.b !== undefined) return input.b;
  if (input.i !== undefined) {
    const safe = input.i >= -BigInt(Number.MAX_SAFE_INTEGER) && input.i <= BigInt(Number.MAX_SAFE_INTEGER);
    return safe ? Number(input.i) : input.i;
  }
  if (input.flt !== undefined) return input.flt;
  if (input.str !== undefined) return input.str;
  if (input.bin !== undefined) return input.bin;
  if (input.arr !== undefined) return input.arr.map(plain);
  const entries = input.obj ?? [];
  if (entries.every(([key]) => key.str !== undefined)) {
    const object: { [key: string]: PlainValue } = {};
    // defineProperty, so a key named "__proto__" is data rather than a prototype change.
    for (const [key, item] of entries) {
      Object.defineProperty(object, key.str as string, {
        value: plain(item),
        enumerable: true,
        writable: true,
      });
    }
    return object;
  }
  return new Map(entries.map(([key, item]) => [plain(key), plain(item)]));
}
