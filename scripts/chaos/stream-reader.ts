/**
 * Reads the soak's JetStream stream back: waits until it holds at least the events committed (or the wait runs
 * out), then every message in stream order, each decoded from MG's SinkEvent bytes to (machine, event id, step).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { connect } from "nats";
import { eventSink, MG_SCHEMA } from "../../src/mg/thrift/generated/index.js";
import { decodeStruct } from "../../src/mg/thrift/struct-decoder.js";
import { readChainEvent } from "./chain.js";

export interface PublishedEvent {
  readonly machineId: string;
  readonly eventId: number;
  /** The step the event's body records; undefined when the body is not a chain event. */
  readonly step: number | undefined;
  readonly messageId: string;
}

const FETCH_BATCH_MAX = 1000;
const FETCH_WAIT_MS = 5000;

export async function readStream(options: {
  url: string;
  stream: string;
  expectedAtLeast: number;
  waitMs: number;
}): Promise<PublishedEvent[]> {
  const nc = await connect({ servers: options.url, timeout: 5000 });
  try {
    const jsm = await nc.jetstreamManager();
    const untilMs = Date.now() + options.waitMs;
    let count = 0;
    for (;;) {
      count = await jsm.streams
        .info(options.stream)
        .then((info) => info.state.messages)
        .catch(() => 0);
      if (count >= options.expectedAtLeast || Date.now() >= untilMs) break;
      await sleep(500);
    }
    if (count === 0) return [];
    const consumer = await nc.jetstream().consumers.get(options.stream);
    const read: PublishedEvent[] = [];
    while (read.length < count) {
      const batch = await consumer.fetch({
        max_messages: Math.min(FETCH_BATCH_MAX, count - read.length),
        expires: FETCH_WAIT_MS,
      });
      let received = 0;
      for await (const message of batch) {
        received += 1;
        const { event } = decodeStruct(MG_SCHEMA, eventSink.STRUCT.SinkEvent, message.data);
        if (event === undefined) throw new Error(`stream message ${message.seq} is not a SinkEvent`);
        read.push({
          machineId: event.source_id,
          eventId: Number(event.event_id),
          step: readChainEvent(event.data)?.step,
          messageId: message.headers?.get("Nats-Msg-Id") ?? "",
        });
      }
      if (received === 0) break;
    }
    return read;
  } finally {
    await nc.close();
  }
}
