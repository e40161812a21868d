/**
 * Which NATS failures are worth retrying. Like MG's Kafka sink (behaviour §7): no connection, timeouts, missing
 * JetStream responders, and limits or permissions an operator can fix (a payload above `max_payload`, a stream
 * refusing a message) are retried; a malformed subject, header or payload and anything unrecognised are not.
 * Recognised by the client's error codes, never by message text.
 */

export type NatsErrorClass = "unavailable" | "rejected";

/** nats.js `ErrorCode` values that mean "not now". */
const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  "TIMEOUT",
  "CANCELLED",
  "CONNECTION_CLOSED",
  "CONNECTION_DRAINING",
  "CONNECTION_REFUSED",
  "CONNECTION_TIMEOUT",
  "DISCONNECT",
  "REQUEST_ERROR",
  "TLS",
  "NATS_PROTOCOL_ERR", // the server's -ERR, after which it closes the connection; the client reconnects
  "503", // no responders: JetStream disabled, the stream missing, or no quorum
  "408", // JetStream request timeout
  // Credentials and permissions: misconfiguration an operator fixes while records wait, as MG does for Kafka.
  "BAD_AUTHENTICATION",
  "BAD_CREDS",
  "AUTHORIZATION_VIOLATION",
  "AUTHENTICATION_EXPIRED",
  "AUTHENTICATION_TIMEOUT",
  "ACCOUNT_EXPIRED",
  "PERMISSIONS_VIOLATION",
  // Above the server's max_payload: MG retries Kafka's message_too_large, so the limit can be raised.
  "MAX_PAYLOAD_EXCEEDED",
]);

/** Socket-level error codes of Node, in case one reaches the sink unwrapped. */
const CONNECTIVITY_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EHOSTDOWN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

export function classifyNatsError(error: unknown): NatsErrorClass {
  if (typeof error !== "object" || error === null) return "rejected";
  const { code, api_error: apiError } = error as { code?: unknown; api_error?: unknown };
  // A JetStream API error on publish is about the stream (storage or limits reached, wrong or missing stream,
  // no leader), never about this record's content: the sink sets no per-record expectations.
  if (typeof apiError === "object" && apiError !== null) return "unavailable";
  if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || CONNECTIVITY_CODES.has(code))) {
    return "unavailable";
  }
  return "rejected";
}
