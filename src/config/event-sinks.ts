/**
 * `namespaces.<ns>.event_sinks.<name>`: where a namespace's committed events are published. `kafka` is MG's
 * format; `nats` is a Ratchet extension. MG's legacy `machine` sink is set aside before this schema runs
 * (see ignored-keys.ts), and a sink's `client` is checked against `kafka` in references.ts.
 */
import { z } from "zod";
import { describeValue, reject, text, url } from "./values.js";

export type EventSinkConfig =
  /** MG's Kafka sink: one record per event, keyed `<ns> <machine id>`. */
  | {
      readonly type: "kafka";
      /** A client defined under top-level `kafka`. */
      readonly client: string;
      /** The topic the events go to. */
      readonly topic: string;
      /**
       * Ratchet extension: `kafka_default` (Kafka's murmur2, the default) or `mg_phash2` (MG's
       * `erlang:phash2(key) rem partitions`, for a topic shared with a running MG so each machine stays on one
       * partition).
       */
      readonly partitioner: "kafka_default" | "mg_phash2";
    }
  /** Ratchet extension: events published to NATS JetStream. */
  | {
      readonly type: "nats";
      /** Server URL, `nats://` or `tls://` (default nats://localhost:4222). */
      readonly url: string;
      /** JetStream stream that captures the subjects; created with `<subjectPrefix>.>` when missing. */
      readonly stream: string;
      /**
       * First tokens of every subject (default `ratchet`). The sink appends the namespace and machine id itself:
       * `<subjectPrefix>.<ns>.<machine id>.events`, so the prefix does not name the namespace.
       */
      readonly subjectPrefix: string;
    };

export const NATS_DEFAULT_URL = "nats://localhost:4222";
export const NATS_DEFAULT_STREAM = "ratchet";
export const NATS_DEFAULT_SUBJECT_PREFIX = "ratchet";

/** JetStream's rule for stream names (the NATS sink asserts the same): no `.`, `*`, `>`, slashes or spaces. */
const STREAM_NAME = /^[^.*>\s/\\]+$/;

function streamName() {
  return text().transform((input, context): string => {
    if (STREAM_NAME.test(input)) return input;
    return reject(
      context,
      `must be a JetStream stream name (no ".", "*", ">", "/", "\\" or spaces); got ${describeValue(input)}`,
    );
  });
}

/**
 * NATS's rule for a subject prefix (the NATS sink asserts the same): dot-separated tokens, none empty, no
 * wildcards or whitespace, not a `$` system subject.
 */
function isSubjectPrefix(prefix: string): boolean {
  if (prefix.startsWith("$")) return false;
  return prefix.split(".").every((token) => token.length > 0 && !/[\s*>]/.test(token));
}

function subjectPrefix() {
  return text().transform((input, context): string => {
    if (isSubjectPrefix(input)) return input;
    return reject(
      context,
      `must be NATS subject tokens separated by "." (no empty token, "*", ">" or spaces, not starting with "$"); got ${describeValue(input)}`,
    );
  });
}

/** The sink schema. */
export function eventSinkSchema() {
  return z.discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("kafka"),
      client: text(),
      topic: text(),
      partitioner: z.enum(["kafka_default", "mg_phash2"]).prefault("kafka_default"),
    }),
    z.strictObject({
      type: z.literal("nats"),
      // The Node NATS client speaks TCP (and TLS) only; WebSocket URLs would fail at the first publish.
      url: url(["nats", "tls"]).prefault(NATS_DEFAULT_URL),
      stream: streamName().prefault(NATS_DEFAULT_STREAM),
      subject_prefix: subjectPrefix().prefault(NATS_DEFAULT_SUBJECT_PREFIX),
    }),
  ]);
}

/** A sink as its keys describe it. */
export type EventSinkDraft = z.output<ReturnType<typeof eventSinkSchema>>;

/**
 * The sink in Ratchet's names. No default depends on the namespace any more (the NATS subject names it by
 * itself), so `_namespace` is unused; namespace.ts still passes it.
 */
export function completeEventSink(sink: EventSinkDraft, _namespace: string): EventSinkConfig {
  if (sink.type === "kafka") return sink;
  return { type: "nats", url: sink.url, stream: sink.stream, subjectPrefix: sink.subject_prefix };
}
