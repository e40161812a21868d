/**
 * Payloads at the JSON edge: natural JSON (src/mg/msgpack/natural-json.ts) in and out, the stored bytes the
 * Thrift encoding of one msgpack.Value. Stored bytes that are not one Value read as {"$raw": "<base64>"}.
 */
import type { Payload } from "../../core/machine.js";
import { decodeValue, encodeValue } from "../../mg/msgpack/msgpack-value.js";
import { type JsonValue, payloadToNaturalJson, valueFromNaturalJson } from "../../mg/msgpack/natural-json.js";

export type { JsonValue };

/** Natural JSON arguments as stored bytes; InvalidRequestError (naming `field`) for what is no Value. */
export function payloadOf(json: unknown, field: string): Payload {
  return encodeValue(valueFromNaturalJson(json, field));
}

export function payloadJson(bytes: Uint8Array): JsonValue {
  return payloadToNaturalJson(bytes, decodeValue);
}
