/**
 * Proves hostile bytes fail fast with a typed ThriftDecodeError and bounded memory: each input (not Thrift,
 * another method's reply, every truncation of a real message, lengths and counts far beyond the body, a
 * mistyped field, nesting 100 000 levels deep) is decoded while heap growth and elapsed time are measured.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeValue, encodeValue } from "../../../src/mg/msgpack/msgpack-value.js";
import { ThriftDecodeError } from "../../../src/mg/thrift/errors.js";
import { MG_SCHEMA, stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import { decodeReply, encodeCall } from "../../../src/mg/thrift/message.js";
import { decodeStruct } from "../../../src/mg/thrift/struct-decoder.js";
import { bytesOf } from "./hex.js";

const HEAP_GROWTH_BYTES_MAX = 16 * 1024 * 1024;
const ELAPSED_MS_MAX = 250;
const call = MG_SCHEMA.services["state_processing.Automaton"]!.functions.Call!;

function assertRefusedCheaply(decode: () => unknown, pattern: RegExp): void {
  const heapBefore = process.memoryUsage().heapUsed;
  const startedAt = performance.now();
  assert.throws(
    decode,
    (error: unknown) => error instanceof ThriftDecodeError && pattern.test(error.message),
  );
  const elapsedMs = performance.now() - startedAt;
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  assert.ok(elapsedMs < ELAPSED_MS_MAX, `took ${elapsedMs} ms`);
  assert.ok(heapGrowth < HEAP_GROWTH_BYTES_MAX, `heap grew by ${heapGrowth} bytes`);
}

test("bytes that are not Thrift are refused", () => {
  const text = new TextEncoder().encode("GET / HTTP/1.1\r\nhost: x\r\n\r\n");
  assertRefusedCheaply(() => decodeReply(MG_SCHEMA, call, text, { seqid: 0 }), /no binary protocol version/);
  assertRefusedCheaply(
    () => decodeReply(MG_SCHEMA, call, bytesOf("80 02 00 02"), { seqid: 0 }),
    /bad binary protocol/,
  );
  assertRefusedCheaply(() => decodeValue(bytesOf("ff ff ff")), /unknown wire type|end of data/);
});

test("a reply for another method, with another seqid, or an EXCEPTION message is refused", () => {
  const startReply = bytesOf("80 01 00 02  00 00 00 05  53 74 61 72 74  00 00 00 00  00");
  assertRefusedCheaply(() => decodeReply(MG_SCHEMA, call, startReply, { seqid: 0 }), /reply is for Start/);
  const callReply = bytesOf("80 01 00 02  00 00 00 04  43 61 6c 6c  00 00 00 07  0c 00 00 0c 00 01 00 00 00");
  assertRefusedCheaply(() => decodeReply(MG_SCHEMA, call, callReply, { seqid: 0 }), /seqid 7/);
  const exception = bytesOf("80 01 00 03  00 00 00 04  43 61 6c 6c  00 00 00 00  00");
  assertRefusedCheaply(() => decodeReply(MG_SCHEMA, call, exception, { seqid: 0 }), /not REPLY/);
});

test("every truncation of a real message is refused", () => {
  const args = { desc: { ns: "ns", ref: { id: "id" }, range: { after: 3n } }, a: { arr: [{ str: "x" }] } };
  const whole = encodeCall(MG_SCHEMA, call, args, { seqid: 0 });
  const reply = new Uint8Array([...whole]);
  reply[3] = 2; // make it a REPLY so decodeReply reads all of it
  for (let length = 0; length < whole.byteLength; length += 1) {
    assert.throws(
      () => decodeReply(MG_SCHEMA, call, reply.subarray(0, length), { seqid: 0 }),
      ThriftDecodeError,
    );
  }
});

test("a string claiming 2 GiB fails before allocating", () => {
  assertRefusedCheaply(
    () => decodeValue(bytesOf("0b 00 05 7f ff ff ff 61 62 63 00")),
    /claims 2147483647 bytes/,
  );
  assertRefusedCheaply(() => decodeValue(bytesOf("0b 00 06 80 00 00 00 00")), /negative length/);
});

test("a list claiming 2^31 elements, or a map claiming a billion, fails before allocating", () => {
  assertRefusedCheaply(
    () => decodeValue(bytesOf("0f 00 08 0c 7f ff ff ff 00 00")),
    /claims 2147483647 elements/,
  );
  assertRefusedCheaply(() => decodeValue(bytesOf("0f 00 08 0c 80 00 00 00 00")), /negative size/);
  assertRefusedCheaply(
    () => decodeValue(bytesOf("0d 00 07 0c 0c 3b 9a ca 00 00 00")),
    /claims 1000000000 elements/,
  );
  // The same claims inside an unknown field, which is skipped rather than decoded.
  assertRefusedCheaply(() => decodeValue(bytesOf("0f 00 63 0b 7f ff ff ff 00")), /claims/);
});

test("a field of the wrong wire type is skipped, so the required field it should have been is missing", () => {
  // Content.data (id 2) sent as an i32.
  const bytes = bytesOf("08 00 02 00 00 00 01 00");
  assertRefusedCheaply(
    () => decodeStruct(MG_SCHEMA, stateProcessing.STRUCT.Content, bytes),
    /required field data/,
  );
});

test("nesting 100 000 levels deep stops at the depth limit, in known and in skipped fields", () => {
  const levels = 100_000;
  const arrays = new Uint8Array(levels * 8 + 5);
  for (let level = 0; level < levels; level += 1) arrays.set([0x0f, 0x00, 0x08, 0x0c, 0, 0, 0, 1], level * 8);
  assertRefusedCheaply(() => decodeValue(arrays), /nesting deeper than 64/);
  const lists = new Uint8Array(levels * 5 + 3);
  lists.set([0x0f, 0x00, 0x63]);
  for (let level = 0; level < levels; level += 1) lists.set([0x0f, 0, 0, 0, 1], 3 + level * 5);
  assertRefusedCheaply(() => decodeValue(lists), /nesting deeper than 64/);
});

test("a Value nested 60 levels deep is still accepted both ways; 70 is refused both ways", () => {
  let value: stateProcessing.Args = { nl: {} };
  for (let level = 1; level < 60; level += 1) value = { arr: [value] };
  assert.deepEqual(decodeValue(encodeValue(value)), value);
  for (let level = 60; level < 70; level += 1) value = { arr: [value] };
  assert.throws(() => encodeValue(value), /nesting deeper than 64/);
});
