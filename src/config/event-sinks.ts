/**
 * `namespaces.<ns>.event_sinks.<name>`: where a namespace's committed events are published. `kafka` is MG's
 * format; `nats` is a Ratchet extension. MG's legacy `machine` sink is set aside before this schema runs
 * (see ignored-keys.ts), and a sink's `client` is checked against `kafka` in references.ts.
 */
import { z } from "zod";
import { text, url } from "./values.js";

export type EventSinkConfig =
  /** MG's Kafka sink: one record per event, keyed `<ns> <machine id>`. */
  | {
      readonly type: "kafka";
      /** A client defined under top-level `kafka`. */
      readonly client: string;
      /** The topic the events go to. */
      readonly topic: string;
    }
  /** Ratchet extension: events published to NATS JetStream. */
  | {
      readonly type: "nats";
      /** Server URL (default nats://localhost:4222). */
      readonly url: string;
      /** JetStream stream that captures the subject (default `ratchet`). */
      readonly stream: string;
      /** Subject of the events (default `ratchet.<namespace>`). */
      readonly subject: string;
    };

export const NATS_DEFAULT_URL = "nats://localhost:4222";
export const NATS_DEFAULT_STREAM = "ratchet";

/** The NATS subject a namespace publishes to when none is configured. */
export function natsDefaultSubject(namespace: string): string {
  return `ratchet.${namespace}`;
}

/** The sink schema; the namespace name fills the NATS subject's default. */
export function eventSinkSchema() {
  return z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("kafka"), client: text(), topic: text() }),
    z.strictObject({
      type: z.literal("nats"),
      url: url(["nats", "tls", "ws", "wss"]).prefault(NATS_DEFAULT_URL),
      stream: text().prefault(NATS_DEFAULT_STREAM),
      subject: text().optional(),
    }),
  ]);
}

/** A sink as its keys describe it, before the namespace name fills the defaults that use it. */
export type EventSinkDraft = z.output<ReturnType<typeof eventSinkSchema>>;

export function completeEventSink(sink: EventSinkDraft, namespace: string): EventSinkConfig {
  if (sink.type === "kafka") return sink;
  return { ...sink, subject: sink.subject ?? natsDefaultSubject(namespace) };
}
