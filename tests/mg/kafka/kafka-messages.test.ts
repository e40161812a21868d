/**
 * Proves the Kafka key and values are MG's bytes: the §5.4 event-sink record is encoded from an outbox record and
 * compared as hex with the dump copied from machinegun-protocol.md, and each lifecycle change is compared with a
 * dump built by hand from §2.6 and §4.2; encoded values are also decoded back with the Thrift schema.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { kafkaKey, lifecycleEventValue, sinkEventValue } from "../../../src/mg/kafka/kafka-messages.js";
import { encodeValue } from "../../../src/mg/msgpack/msgpack-value.js";
import { ThriftDecodeError, ThriftEncodeError } from "../../../src/mg/thrift/errors.js";
import { eventSink, lifecycleSink, MG_SCHEMA } from "../../../src/mg/thrift/generated/index.js";
import { decodeStruct } from "../../../src/mg/thrift/struct-decoder.js";
import type { EventRecord, LifecycleChange, LifecycleRecord } from "../../../src/sinks/sink.js";
import { bytesOf, hexOf } from "../thrift/hex.js";

const JANUARY_FIRST_2024_US = Date.UTC(2024, 0, 1) * 1000;

function eventRecord(overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    kind: "event",
    namespace: "ns",
    machineId: "id",
    eventId: 1,
    createdAtUs: JANUARY_FIRST_2024_US,
    data: encodeValue({ nl: {} }),
    ...overrides,
  };
}

function lifecycleRecord(change: LifecycleChange): LifecycleRecord {
  return {
    kind: "lifecycle",
    namespace: "ns",
    machineId: "id",
    createdAtUs: JANUARY_FIRST_2024_US,
    change,
    sequence: 7,
  };
}

/** `machine_ns "ns"`, `machine_id "id"`, `created_at "2024-01-01T00:00:00Z"`, then field 4 `data`. */
const LIFECYCLE_HEAD = `
  0b 00 01  00 00 00 02  6e 73
  0b 00 02  00 00 00 02  69 64
  0b 00 03  00 00 00 14  32 30 32 34 2d 30 31 2d 30 31 54 30 30 3a 30 30 3a 30 30 5a
  0c 00 04  0c 00 01`;
/** End of MachineLifecycleEvent, LifecycleEventData and LifecycleEvent. */
const LIFECYCLE_TAIL = "00 00 00";

test("5.4 key: the bytes of `ns id`", () => {
  assert.equal(hexOf(kafkaKey("ns", "id")), "6e 73 20 69 64");
  assert.equal(hexOf(kafkaKey("счёт", "1 2")), hexOf(new TextEncoder().encode("счёт 1 2")));
});

test("5.4 value: SinkEvent{event: MachineEvent{ns, id, 1, 2024-01-01T00:00:00Z, nl}}, 69 bytes", () => {
  const dump = bytesOf(`
    0c 00 01
       0b 00 01  00 00 00 02  6e 73
       0b 00 02  00 00 00 02  69 64
       0a 00 03  00 00 00 00 00 00 00 01
       0b 00 04  00 00 00 14  32 30 32 34 2d 30 31 2d 30 31 54 30 30 3a 30 30 3a 30 30 5a
       0c 00 06  0c 00 01  00  00
       00
    00`);
  assert.equal(dump.byteLength, 69);
  const value = sinkEventValue(eventRecord());
  assert.equal(hexOf(value), hexOf(dump));
  assert.deepEqual(decodeStruct(MG_SCHEMA, eventSink.STRUCT.SinkEvent, value), {
    event: {
      source_ns: "ns",
      source_id: "id",
      event_id: 1n,
      created_at: "2024-01-01T00:00:00Z",
      data: { nl: {} },
    },
  });
});

test("event value: format_version (field 5, i32) sits between created_at and data; µs in created_at", () => {
  const value = sinkEventValue(
    eventRecord({ eventId: 42, formatVersion: 3, createdAtUs: JANUARY_FIRST_2024_US + 120_000 }),
  );
  const expected = bytesOf(`
    0c 00 01
       0b 00 01  00 00 00 02  6e 73
       0b 00 02  00 00 00 02  69 64
       0a 00 03  00 00 00 00 00 00 00 2a
       0b 00 04  00 00 00 18  32 30 32 34 2d 30 31 2d 30 31 54 30 30 3a 30 30 3a 30 30 2e 31 32 30 5a
       08 00 05  00 00 00 03
       0c 00 06  0c 00 01  00  00
       00
    00`);
  assert.equal(hexOf(value), hexOf(expected));
});

test("event value: data is the stored Value, not msgpack bytes", () => {
  const value = sinkEventValue(eventRecord({ data: encodeValue({ str: "a" }) }));
  const decoded = decodeStruct(MG_SCHEMA, eventSink.STRUCT.SinkEvent, value);
  assert.deepEqual(decoded.event.data, { str: "a" });
  assert.ok(hexOf(value).endsWith("0c 00 06 0b 00 05 00 00 00 01 61 00 00 00"));
});

test("lifecycle created: data = machine.created {}", () => {
  const value = lifecycleEventValue(lifecycleRecord({ kind: "created" }));
  assert.equal(hexOf(value), hexOf(bytesOf(`${LIFECYCLE_HEAD} 0c 00 01 00 ${LIFECYCLE_TAIL}`)));
});

test("lifecycle failed: data = machine.status_changed{new_status: failed{reason}}", () => {
  const value = lifecycleEventValue(lifecycleRecord({ kind: "failed", reason: "boom" }));
  // status_changed (STRUCT 2) { new_status (STRUCT 1) = MachineStatus { failed (STRUCT 2) { reason "boom" } } }
  const body = "0c 00 02  0c 00 01  0c 00 02  0b 00 01 00 00 00 04 62 6f 6f 6d  00  00  00";
  assert.equal(hexOf(value), hexOf(bytesOf(`${LIFECYCLE_HEAD} ${body} ${LIFECYCLE_TAIL}`)));
  assert.deepEqual(decodeStruct(MG_SCHEMA, lifecycleSink.STRUCT.LifecycleEvent, value), {
    machine_ns: "ns",
    machine_id: "id",
    created_at: "2024-01-01T00:00:00Z",
    data: { machine: { status_changed: { new_status: { failed: { reason: "boom" } } } } },
  });
});

test("lifecycle repaired: data = machine.status_changed{new_status: working{}}", () => {
  const value = lifecycleEventValue(lifecycleRecord({ kind: "repaired" }));
  const body = "0c 00 02  0c 00 01  0c 00 01 00  00  00";
  assert.equal(hexOf(value), hexOf(bytesOf(`${LIFECYCLE_HEAD} ${body} ${LIFECYCLE_TAIL}`)));
});

test("lifecycle removed: data = machine.removed {}", () => {
  const value = lifecycleEventValue(lifecycleRecord({ kind: "removed" }));
  assert.equal(hexOf(value), hexOf(bytesOf(`${LIFECYCLE_HEAD} 0c 00 03 00 ${LIFECYCLE_TAIL}`)));
});

test("a payload that is not one Value, or an id that is not Unicode, is refused with a typed codec error", () => {
  assert.throws(() => sinkEventValue(eventRecord({ data: Uint8Array.of(0x0c, 0x00) })), ThriftDecodeError);
  assert.throws(() => sinkEventValue(eventRecord({ machineId: "\ud800" })), ThriftEncodeError);
  assert.throws(() => sinkEventValue(eventRecord({ formatVersion: 2 ** 31 })), ThriftEncodeError);
});
