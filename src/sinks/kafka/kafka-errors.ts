/**
 * MG's classification of produce errors (mg_core_events_sink_kafka:handle_produce_error, behaviour §7), applied
 * to kafkajs errors: connectivity, timeouts and most broker codes are worth retrying (the machine waits); a few
 * codes and anything unrecognised mean the broker will never take the record. Errors are recognised by kafkajs'
 * class names and Kafka's error type names, never by message text.
 */

export type KafkaErrorClass = "unavailable" | "rejected";

/**
 * Broker error types MG retries. Most are transient by nature; `MESSAGE_TOO_LARGE`, `RECORD_LIST_TOO_LARGE`,
 * the authorization failures and `UNSUPPORTED_*` are what MG calls misconfiguration, which it also retries so
 * an operator can fix the topic or the credentials while machines wait. (`NOT_LEADER_FOR_PARTITION` is kafkajs'
 * name for MG's `not_leader_for_partition`, `NOT_LEADER_OR_FOLLOWER` in newer Kafka documentation.)
 */
const MG_RETRIED_TYPES: ReadonlySet<string> = new Set([
  "CORRUPT_MESSAGE",
  "UNKNOWN_TOPIC_OR_PARTITION",
  "LEADER_NOT_AVAILABLE",
  "NOT_LEADER_FOR_PARTITION",
  "REQUEST_TIMED_OUT",
  "BROKER_NOT_AVAILABLE",
  "REPLICA_NOT_AVAILABLE",
  "MESSAGE_TOO_LARGE",
  "STALE_CONTROLLER_EPOCH",
  "NETWORK_EXCEPTION",
  "RECORD_LIST_TOO_LARGE",
  "NOT_ENOUGH_REPLICAS",
  "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
  "INVALID_REQUIRED_ACKS",
  "TOPIC_AUTHORIZATION_FAILED",
  "CLUSTER_AUTHORIZATION_FAILED",
  "UNSUPPORTED_SASL_MECHANISM",
  "UNSUPPORTED_VERSION",
  "REASSIGNMENT_IN_PROGRESS",
]);

/** Broker error types MG treats as a logic error or an unknown server error: the machine fails. */
const MG_FATAL_TYPES: ReadonlySet<string> = new Set([
  "UNKNOWN", // code −1, MG's unknown_server_error
  "INVALID_TOPIC_EXCEPTION",
  "INVALID_TIMESTAMP",
  "ILLEGAL_SASL_STATE",
]);

/**
 * Broker error types about the idempotent producer's own state, which MG never meets (brod is not idempotent).
 * They say nothing about the record: the sink replaces its producer after any failure, which resets the
 * producer id and sequence numbers, so a retry succeeds. `SASL_AUTHENTICATION_FAILED` is listed here too, as
 * the credential counterpart of MG's retried `UNSUPPORTED_SASL_MECHANISM`.
 */
const PRODUCER_STATE_TYPES: ReadonlySet<string> = new Set([
  "OUT_OF_ORDER_SEQUENCE_NUMBER",
  "DUPLICATE_SEQUENCE_NUMBER",
  "UNKNOWN_PRODUCER_ID",
  "INVALID_PRODUCER_EPOCH",
  "INVALID_PRODUCER_ID_MAPPING",
  "SASL_AUTHENTICATION_FAILED",
]);

/**
 * kafkajs error classes that mean "not now": no connection, a timeout, missing or stale metadata, retries used
 * up on a retriable error (`KafkaJSNumberOfRetriesExceeded` wraps only retriable ones), failed SASL login.
 */
const UNAVAILABLE_CLASS_NAMES: ReadonlySet<string> = new Set([
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSRequestTimeoutError",
  "KafkaJSNumberOfRetriesExceeded",
  "KafkaJSBrokerNotFound",
  "KafkaJSNoBrokerAvailableError",
  "KafkaJSMetadataNotLoaded",
  "KafkaJSTopicMetadataNotLoaded",
  "KafkaJSStaleTopicMetadataAssignment",
  "KafkaJSTimeout",
  "KafkaJSLockTimeout",
  "KafkaJSSASLAuthenticationError",
]);

/** Socket-level error codes of Node (MG's is_connectivity_reason, plus name resolution and broken pipes). */
const CONNECTIVITY_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EHOSTDOWN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** kafkajs wraps errors through `cause`; a few links are enough (it nests at most two). */
const CAUSE_DEPTH_MAX = 8;

/** How MG would treat this produce error. Pure: looks only at the error. */
export function classifyKafkaError(error: unknown): KafkaErrorClass {
  const chain = causeChain(error);
  for (const link of chain) {
    const type = protocolErrorType(link);
    if (type !== undefined) return classifyProtocolError(type, link.retriable === true);
  }
  for (const link of chain) {
    if (typeof link.name === "string" && UNAVAILABLE_CLASS_NAMES.has(link.name)) return "unavailable";
    if (typeof link.code === "string" && CONNECTIVITY_CODES.has(link.code)) return "unavailable";
  }
  // A kafkajs error that calls itself retriable and names nothing more (e.g. "the producer is disconnected").
  const outer = chain[0];
  if (outer !== undefined && outer.name === "KafkaJSError" && outer.retriable === true) return "unavailable";
  return "rejected";
}

/** A broker error type not in MG's table falls back on Kafka's own "retriable" flag for that code. */
function classifyProtocolError(type: string, retriable: boolean): KafkaErrorClass {
  if (MG_FATAL_TYPES.has(type)) return "rejected";
  if (MG_RETRIED_TYPES.has(type) || PRODUCER_STATE_TYPES.has(type)) return "unavailable";
  return retriable ? "unavailable" : "rejected";
}

interface ErrorLink {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly type?: unknown;
  readonly retriable?: unknown;
  readonly cause?: unknown;
}

function causeChain(error: unknown): ErrorLink[] {
  const chain: ErrorLink[] = [];
  let link: unknown = error;
  while (typeof link === "object" && link !== null && chain.length < CAUSE_DEPTH_MAX) {
    if (chain.includes(link as ErrorLink)) break;
    chain.push(link as ErrorLink);
    link = (link as ErrorLink).cause;
  }
  return chain;
}

/** kafkajs' KafkaJSProtocolError (and subclasses) carry Kafka's error type name and numeric code. */
function protocolErrorType(link: ErrorLink): string | undefined {
  if (typeof link.type !== "string" || typeof link.code !== "number") return undefined;
  return link.type;
}
