/** Test payloads as UTF-8 JSON: the engine treats payloads as opaque bytes, so any encoding will do in tests. */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));
export const parse = <T = unknown>(bytes: Uint8Array): T => JSON.parse(decoder.decode(bytes)) as T;
