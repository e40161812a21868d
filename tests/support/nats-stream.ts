/**
 * Reading what a NATS JetStream stream holds, for tests that check what the relay published: every message in
 * stream order with its headers, decoded back to (machine, event id) or (machine, lifecycle change).
 */
import { connect, type JetStreamManager, type NatsConnection } from "nats";
import { eventSink, lifecycleSink, MG_SCHEMA } from "../../src/mg/thrift/generated/index.js";
import { decodeStruct } from "../../src/mg/thrift/struct-decoder.js";

export const NATS_URL = process.env.RATCHET_TEST_NATS_URL ?? "nats://127.0.0.1:4222";

export interface PublishedMessage {
  readonly sequence: number;
  readonly namespace: string;
  readonly machineId: string;
  /** The event id for events; null for lifecycle records. */
  readonly eventId: number | null;
  /** The lifecycle change's member name (created, status_changed, removed) for lifecycle records. */
  readonly lifecycle: string | null;
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

export class StreamReader {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
  ) {}

  static async open(): Promise<StreamReader> {
    const nc = await connect({ servers: NATS_URL, timeout: 5000 });
    return new StreamReader(nc, await nc.jetstreamManager());
  }

  async messages(stream: string): Promise<PublishedMessage[]> {
    const info = await this.jsm.streams.info(stream);
    const count = info.state.messages;
    if (count === 0) return [];
    const consumer = await this.nc.jetstream().consumers.get(stream);
    const read: PublishedMessage[] = [];
    while (read.length < count) {
      const batch = await consumer.fetch({
        max_messages: Math.min(1000, count - read.length),
        expires: 5000,
      });
      for await (const message of batch) {
        const headers: Record<string, string> = {};
        for (const key of message.headers?.keys() ?? []) headers[key] = message.headers?.get(key) ?? "";
        read.push(decodeMessage(message.seq, message.subject, message.data, headers));
      }
    }
    return read;
  }

  async deleteStream(stream: string): Promise<void> {
    await this.jsm.streams.delete(stream).catch(() => false);
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}

function decodeMessage(
  sequence: number,
  subject: string,
  data: Uint8Array,
  headers: Record<string, string>,
): PublishedMessage {
  if (subject.endsWith(".events")) {
    const { event } = decodeStruct(MG_SCHEMA, eventSink.STRUCT.SinkEvent, data);
    if (event === undefined) throw new Error("a SinkEvent without its event");
    return {
      sequence,
      namespace: event.source_ns,
      machineId: event.source_id,
      eventId: Number(event.event_id),
      lifecycle: null,
      data,
      headers,
    };
  }
  const lifecycle = decodeStruct(MG_SCHEMA, lifecycleSink.STRUCT.LifecycleEvent, data);
  const machine = (lifecycle.data.machine ?? {}) as Record<string, unknown>;
  const change = Object.keys(machine).find((key) => machine[key] !== undefined) ?? "";
  return {
    sequence,
    namespace: lifecycle.machine_ns,
    machineId: lifecycle.machine_id,
    eventId: null,
    lifecycle: change,
    data,
    headers,
  };
}
