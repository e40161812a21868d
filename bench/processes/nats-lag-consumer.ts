/**
 * The bench's NATS consumer in a process of its own, as a real consumer runs: subscribes to a stream's subjects,
 * takes each event's lag from its commit (`created_at`) to its arrival, and on SIGTERM prints one JSON line
 * `{"lagsUs": [...]}` and exits. Its CPU is not Ratchet's, so it must not share the node's process.
 * Arguments: the NATS URL and the subject prefix. Prints `subscribed` once the subscription is in place.
 */
import { connect } from "nats";
import { parseTimestampUs } from "../../src/core/time.js";
import { eventSink, MG_SCHEMA } from "../../src/mg/thrift/generated/index.js";
import { decodeStruct } from "../../src/mg/thrift/struct-decoder.js";

const [url, prefix] = process.argv.slice(2);
if (url === undefined || prefix === undefined)
  throw new Error("usage: nats-lag-consumer <url> <subject prefix>");
const connection = await connect({ servers: url });
const lagsUs: number[] = [];
connection.subscribe(`${prefix}.>`, {
  callback: (error, message) => {
    if (error !== null || !message.subject.endsWith(".events")) return;
    const { event } = decodeStruct(MG_SCHEMA, eventSink.STRUCT.SinkEvent, message.data);
    if (event === undefined) return;
    lagsUs.push(Date.now() * 1000 - parseTimestampUs(event.created_at, "created_at", { requireUtc: true }));
  },
});
await connection.flush(); // the server has the subscription: nothing published from now on is missed
console.log("subscribed");
process.once("SIGTERM", () => {
  process.stdout.write(`${JSON.stringify({ lagsUs })}\n`, () => {
    void connection.close().then(() => process.exit(0));
  });
});
