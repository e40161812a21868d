/**
 * MG's Kafka record contents (machinegun-protocol.md §4): the key `"<ns> <id>"`, the `event_sink.SinkEvent`
 * value of an event and the `lifecycle_sink.LifecycleEvent` value of a lifecycle change, both Thrift binary
 * without a message header. The NATS sink publishes the same bytes as its payloads.
 */
import { formatTimestampUs } from "../../core/time.js";
import type { EventRecord, LifecycleChange, LifecycleRecord } from "../../sinks/sink.js";
import { payloadToValue } from "../machine-to-thrift.js";
import { eventSink, lifecycleSink, MG_SCHEMA } from "../thrift/generated/index.js";
import { encodeStruct } from "../thrift/struct-encoder.js";

const UTF8 = new TextEncoder();

/** The record key MG writes: the UTF-8 bytes of the namespace, one space (0x20), the machine id. */
export function kafkaKey(namespace: string, machineId: string): Uint8Array {
  return UTF8.encode(`${namespace} ${machineId}`);
}

/**
 * `SinkEvent{event: MachineEvent{…}}` as MG fills it: `created_at` in MG's text form, `format_version` only when
 * set, `data` the stored payload decoded into its msgpack.Value. Throws ThriftDecodeError when the payload is
 * not one Value, ThriftEncodeError when a field does not fit (an id that is not valid Unicode, a format version
 * beyond i32).
 */
export function sinkEventValue(record: EventRecord): Uint8Array {
  const event: eventSink.MachineEvent = {
    source_ns: record.namespace,
    source_id: record.machineId,
    event_id: BigInt(record.eventId),
    created_at: formatTimestampUs(record.createdAtUs),
    ...(record.formatVersion !== undefined && { format_version: record.formatVersion }),
    data: payloadToValue(record.data, "data"),
  };
  return encodeStruct(MG_SCHEMA, eventSink.STRUCT.SinkEvent, { event });
}

/**
 * `LifecycleEvent{machine_ns, machine_id, created_at, data: {machine: …}}`: created → `created {}`, failed →
 * `status_changed{new_status: failed{reason}}`, repaired → `status_changed{new_status: working{}}`, removed →
 * `removed {}` (machinegun-protocol.md §4.2). The record's `sequence` has no place in MG's struct.
 */
export function lifecycleEventValue(record: LifecycleRecord): Uint8Array {
  const event: lifecycleSink.LifecycleEvent = {
    machine_ns: record.namespace,
    machine_id: record.machineId,
    created_at: formatTimestampUs(record.createdAtUs),
    data: { machine: machineLifecycleEvent(record.change) },
  };
  return encodeStruct(MG_SCHEMA, lifecycleSink.STRUCT.LifecycleEvent, event);
}

function machineLifecycleEvent(change: LifecycleChange): lifecycleSink.MachineLifecycleEvent {
  switch (change.kind) {
    case "created":
      return { created: {} };
    case "failed":
      return { status_changed: { new_status: { failed: { reason: change.reason } } } };
    case "repaired":
      return { status_changed: { new_status: { working: {} } } };
    case "removed":
      return { removed: {} };
  }
}
