/** woody's HTTP header names and fixed values (machinegun-protocol.md §3.3, §3.4). */

export const THRIFT_CONTENT_TYPE = "application/x-thrift";

/** Lower case, as woody sends them and as Node presents incoming header names. */
export const WOODY_HEADER = Object.freeze({
  TRACE_ID: "woody.trace-id",
  SPAN_ID: "woody.span-id",
  PARENT_ID: "woody.parent-id",
  DEADLINE: "woody.deadline",
  ERROR_CLASS: "woody.error-class",
  ERROR_REASON: "woody.error-reason",
});

/** A `woody.meta.<key>` header carries the context entry `<key>`. */
export const WOODY_META_PREFIX = "woody.meta.";

/** The parent id of a root request. */
export const ROOT_PARENT_ID = "undefined";

/** Erlang servers fail a request whose trace ids are longer. */
export const TRACE_ID_BYTES_MAX = 64;

/** Error reasons are cut to this many bytes: a header, not a log. */
const ERROR_REASON_BYTES_MAX = 4096;

/**
 * Header text for an error reason. Node writes header strings as Latin-1, so UTF-8 bytes are passed as Latin-1
 * characters and arrive as the same bytes Erlang sends; control characters, which HTTP forbids, become spaces.
 */
export function encodeErrorReason(reason: string): string {
  const bytes = Buffer.from(reason.replace(/\p{Cc}/gu, " "), "utf8");
  return bytes.subarray(0, ERROR_REASON_BYTES_MAX).toString("latin1");
}

/** Inverse of encodeErrorReason for a received header. */
export function decodeErrorReason(header: string): string {
  return Buffer.from(header, "latin1").toString("utf8");
}
