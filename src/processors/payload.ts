/**
 * Payloads as plain JavaScript, for local processors, the CLI and the JSON API. Ratchet stores every payload as
 * the Thrift binary encoding of MG's msgpack.Value, so a machine written by a local processor reads the same
 * over woody as one written by an MG processor, str and bin kept apart.
 */
import type { PlainValue } from "../mg/msgpack/msgpack-value.js";
import { decodeValue, encodeValue, plain, value } from "../mg/msgpack/msgpack-value.js";

export type { PlainValue };

export function pack(data: PlainValue): Uint8Array {
  return encodeValue(value(data));
}

/** An empty payload (the aux state of a machine no step has set) reads as null. */
export function unpack(bytes: Uint8Array): PlainValue {
  return bytes.byteLength === 0 ? null : plain(decodeValue(bytes));
}
