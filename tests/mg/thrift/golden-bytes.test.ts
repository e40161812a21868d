/**
 * Proves the codec writes and reads every example of machinegun-protocol.md §5 byte for byte: each dump is
 * copied from the document, encoded from the value it describes, compared as hex, and decoded back to the value.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeValue, encodeValue, type Value } from "../../../src/mg/msgpack/msgpack-value.js";
import { BinaryReader } from "../../../src/mg/thrift/binary-reader.js";
import { eventSink, MG_SCHEMA, stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import {
  decodeReply,
  encodeCall,
  encodeReply,
  readCallArgs,
  readMessageHeader,
} from "../../../src/mg/thrift/message.js";
import { decodeStruct } from "../../../src/mg/thrift/struct-decoder.js";
import { encodeStruct } from "../../../src/mg/thrift/struct-encoder.js";
import { bytesOf, hexOf } from "./hex.js";

const automaton = MG_SCHEMA.services["state_processing.Automaton"]!;
const start = automaton.functions.Start!;
const call = automaton.functions.Call!;

function decodeCallBody(bytes: Uint8Array) {
  const reader = new BinaryReader(bytes);
  const header = readMessageHeader(reader);
  const method = automaton.functions[header.name]!;
  return { header, args: readCallArgs(reader, MG_SCHEMA, method) };
}

test("5.1 Start(ns, id, nl) request body, 44 bytes", () => {
  const dump = bytesOf(`
    80 01 00 01  00 00 00 05  53 74 61 72 74  00 00 00 00
    0b 00 01  00 00 00 02  6e 73
    0b 00 02  00 00 00 02  69 64
    0c 00 03  0c 00 01  00  00
    00`);
  assert.equal(dump.byteLength, 44);
  const args = { ns: "ns", id: "id", a: { nl: {} } };
  assert.equal(hexOf(encodeCall(MG_SCHEMA, start, args, { seqid: 0 })), hexOf(dump));
  assert.deepEqual(decodeCallBody(dump), { header: { name: "Start", type: 1, seqid: 0 }, args });
});

test("5.2 Start replies: void success (18 bytes) and MachineAlreadyExists (22 bytes)", () => {
  const success = bytesOf("80 01 00 02  00 00 00 05  53 74 61 72 74  00 00 00 00  00");
  assert.equal(success.byteLength, 18);
  assert.equal(
    hexOf(encodeReply(MG_SCHEMA, start, { kind: "success", value: undefined }, { seqid: 0 })),
    hexOf(success),
  );
  assert.deepEqual(decodeReply(MG_SCHEMA, start, success, { seqid: 0 }), {
    kind: "success",
    value: undefined,
  });

  const business = bytesOf("80 01 00 02  00 00 00 05  53 74 61 72 74  00 00 00 00  0c 00 02  00  00");
  assert.equal(business.byteLength, 22);
  const outcome = { kind: "exception", field: "ex2", typeName: "MachineAlreadyExists", value: {} } as const;
  assert.equal(hexOf(encodeReply(MG_SCHEMA, start, outcome, { seqid: 0 })), hexOf(business));
  assert.deepEqual(decodeReply(MG_SCHEMA, start, business, { seqid: 0 }), outcome);
});

test("5.3 Call(desc, i 1) request body (62 bytes) and its str reply (30 bytes)", () => {
  const dump = bytesOf(`
    80 01 00 01  00 00 00 04  43 61 6c 6c  00 00 00 00
    0c 00 01
       0b 00 01  00 00 00 02  6e 73
       0c 00 02  0b 00 01  00 00 00 02  69 64  00
       0c 00 03  00
       00
    0c 00 02  0a 00 03  00 00 00 00 00 00 00 01  00
    00`);
  assert.equal(dump.byteLength, 62);
  const args = { desc: { ns: "ns", ref: { id: "id" }, range: {} }, a: { i: 1n } };
  assert.equal(hexOf(encodeCall(MG_SCHEMA, call, args, { seqid: 0 })), hexOf(dump));
  // On decode, the absent direction takes its IDL default.
  const decoded = decodeCallBody(dump);
  assert.deepEqual(decoded.args, { ...args, desc: { ...args.desc, range: { direction: "forward" } } });

  const reply = bytesOf(
    "80 01 00 02  00 00 00 04  43 61 6c 6c  00 00 00 00  0c 00 00  0b 00 05  00 00 00 02  6f 6b  00  00",
  );
  assert.equal(reply.byteLength, 30);
  assert.equal(
    hexOf(encodeReply(MG_SCHEMA, call, { kind: "success", value: { str: "ok" } }, { seqid: 0 })),
    hexOf(reply),
  );
  assert.deepEqual(decodeReply(MG_SCHEMA, call, reply, { seqid: 0 }), {
    kind: "success",
    value: { str: "ok" },
  });
});

test("5.4 Kafka event-sink record value, 69 bytes, no message header", () => {
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
  const event: eventSink.SinkEvent = {
    event: {
      source_ns: "ns",
      source_id: "id",
      event_id: 1n,
      created_at: "2024-01-01T00:00:00Z",
      data: { nl: {} },
    },
  };
  assert.equal(hexOf(encodeStruct(MG_SCHEMA, eventSink.STRUCT.SinkEvent, event)), hexOf(dump));
  assert.deepEqual(decodeStruct(MG_SCHEMA, eventSink.STRUCT.SinkEvent, dump), event);
});

test("5.5 msgpack.Value scalars", () => {
  const table: Array<[Value, string]> = [
    [{ nl: {} }, "0c 00 01 00 00"],
    [{ b: true }, "02 00 02 01 00"],
    [{ i: 42n }, "0a 00 03 00 00 00 00 00 00 00 2a 00"],
    [{ flt: 1.5 }, "04 00 04 3f f8 00 00 00 00 00 00 00"],
    [{ str: "a" }, "0b 00 05 00 00 00 01 61 00"],
    [{ bin: new Uint8Array([0x61]) }, "0b 00 06 00 00 00 01 61 00"],
    [{ arr: [] }, "0f 00 08 0c 00 00 00 00 00"],
    [{ obj: [] }, "0d 00 07 0c 0c 00 00 00 00 00"],
  ];
  for (const [value, dump] of table) {
    assert.equal(hexOf(encodeValue(value)), dump, JSON.stringify(Object.keys(value)));
    assert.deepEqual(decodeValue(bytesOf(dump)), value);
  }
});

test("Event and Machine fields go out in IDL declaration order, as Erlang writers emit them", () => {
  const event: stateProcessing.Event = { id: 1n, created_at: "t", format_version: 7, data: { nl: {} } };
  // id (1), created_at (2), format_version (5) before data (4).
  assert.equal(
    hexOf(encodeStruct(MG_SCHEMA, stateProcessing.STRUCT.Event, event)),
    "0a 00 01 00 00 00 00 00 00 00 01 0b 00 02 00 00 00 01 74 08 00 05 00 00 00 07 0c 00 04 0c 00 01 00 00 00",
  );
});
