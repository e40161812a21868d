/**
 * Proves a struct encoded once (preencodeStruct) is written into a message exactly as the encoder would have
 * written the value, that it stands only where its own struct is expected, and that its nesting still counts
 * against the bound where it is placed; and that the processor's Machine, whose history events are such
 * encodings, decodes to the same Machine as before.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Event } from "../../../src/core/machine.js";
import { eventToThrift, eventToThriftEncoded, machineToThrift } from "../../../src/mg/machine-to-thrift.js";
import { encodeValue } from "../../../src/mg/msgpack/msgpack-value.js";
import { BinaryReader } from "../../../src/mg/thrift/binary-reader.js";
import { ThriftEncodeError } from "../../../src/mg/thrift/errors.js";
import { MG_SCHEMA, type msgpack, stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import { encodeCall, readCallArgs, readMessageHeader } from "../../../src/mg/thrift/message.js";
import { serviceSchemaOf } from "../../../src/mg/thrift/schema.js";
import { encodeStruct, preencodeStruct } from "../../../src/mg/thrift/struct-encoder.js";

const PROCESS_CALL = serviceSchemaOf(MG_SCHEMA, stateProcessing.SERVICE.Processor).functions.ProcessCall!;
const { STRUCT } = stateProcessing;

function event(id: number, data: msgpack.Value): Event {
  return { id, createdAtUs: 1_700_000_000_123_456 + id, data: encodeValue(data) };
}

function machineOf(history: readonly Event[]) {
  return {
    namespace: "invoice",
    id: "m-1",
    history,
    historyRange: { limit: 10, direction: "backward" as const },
    auxState: { data: encodeValue({ nl: {} }) },
    timerDueAtUs: null,
  };
}

function callBytes(machine: stateProcessing.Machine): Uint8Array {
  return encodeCall(MG_SCHEMA, PROCESS_CALL, { a: { arg: { i: 1n }, machine } }, { seqid: 0 });
}

test("a pre-encoded struct is written byte for byte as its value would be, in a struct and in a list", () => {
  const value: stateProcessing.Event = {
    id: 7n,
    created_at: "2026-12-01T12:00:00.000001Z",
    data: { str: "ž" },
  };
  const plain = encodeStruct(MG_SCHEMA, STRUCT.Event, value);
  const stored = preencodeStruct(MG_SCHEMA, STRUCT.Event, value);
  assert.deepEqual(encodeStruct(MG_SCHEMA, STRUCT.Event, stored), plain);
  const machine = (history: stateProcessing.Event[]): stateProcessing.Machine => ({
    ns: "invoice",
    id: "m-1",
    history,
    history_range: { direction: "forward" },
    aux_state: { data: { nl: {} } },
  });
  const expected = encodeStruct(MG_SCHEMA, STRUCT.Machine, machine([value, value]));
  assert.deepEqual(encodeStruct(MG_SCHEMA, STRUCT.Machine, machine([stored, value])), expected);
  assert.deepEqual(encodeStruct(MG_SCHEMA, STRUCT.Machine, machine([stored, stored])), expected);
});

test("a pre-encoded struct placed where another struct is expected is refused, naming both", () => {
  const content = preencodeStruct(MG_SCHEMA, STRUCT.Content, { data: { nl: {} } });
  assert.throws(
    () => encodeStruct(MG_SCHEMA, STRUCT.Event, content as unknown as stateProcessing.Event),
    (error: Error) =>
      error instanceof ThriftEncodeError &&
      /expected state_processing\.Event, got an encoded state_processing\.Content/.test(error.message),
  );
});

test("a pre-encoded struct's nesting counts where it is written: refused exactly where its value would be", () => {
  const nested = (levels: number): msgpack.Value => {
    let value: msgpack.Value = { nl: {} };
    for (let level = 0; level < levels; level += 1) value = { arr: [value] };
    return value;
  };
  const refuses = (encode: () => unknown) => {
    try {
      encode();
      return false;
    } catch (error) {
      assert.ok(error instanceof ThriftEncodeError && /nesting deeper than 64/.test(error.message));
      return true;
    }
  };
  const inMachine = (history: stateProcessing.Event[]) => () =>
    encodeStruct(MG_SCHEMA, STRUCT.Machine, {
      ns: "invoice",
      id: "m-1",
      history,
      history_range: { direction: "forward" },
      aux_state: { data: { nl: {} } },
    });
  let fitsAloneNotInMachine = 0;
  for (let levels = 55; levels <= 64; levels += 1) {
    const value: stateProcessing.Event = { id: 1n, created_at: "2026-12-01T12:00:00Z", data: nested(levels) };
    if (refuses(() => encodeStruct(MG_SCHEMA, STRUCT.Event, value))) continue;
    const stored = preencodeStruct(MG_SCHEMA, STRUCT.Event, value);
    const plainRefused = refuses(inMachine([value]));
    assert.equal(refuses(inMachine([stored])), plainRefused, `${levels} levels`);
    if (plainRefused) fitsAloneNotInMachine += 1;
  }
  assert.ok(fitsAloneNotInMachine > 0, "some value fits alone but not inside a Machine's history");
});

test("the processor's Machine encodes to the bytes of its plain conversion and decodes back to it", () => {
  const history = [
    event(1, { bin: new Uint8Array([1, 2, 3]) }),
    event(2, { str: "two" }),
    event(3, { i: -5n }),
  ];
  const view = machineOf(history);
  const viaEncoded = callBytes(machineToThrift(view));
  const plain = callBytes({ ...machineToThrift(view), history: history.map((each) => eventToThrift(each)) });
  assert.deepEqual(viaEncoded, plain);
  // Encoded once: the same event object gives the same encoding, and a second call's bytes are the same.
  assert.equal(eventToThriftEncoded(history[0]!), eventToThriftEncoded(history[0]!));
  assert.deepEqual(callBytes(machineToThrift(view)), plain);
  const reader = new BinaryReader(viaEncoded);
  assert.equal(readMessageHeader(reader).name, "ProcessCall");
  const { a } = readCallArgs(reader, MG_SCHEMA, PROCESS_CALL) as { a: stateProcessing.CallArgs };
  assert.deepEqual(
    a.machine.history.map((each) => [each.id, each.created_at, each.data]),
    [
      [1n, "2023-11-14T22:13:20.123457Z", { bin: new Uint8Array([1, 2, 3]) }],
      [2n, "2023-11-14T22:13:20.123458Z", { str: "two" }],
      [3n, "2023-11-14T22:13:20.123459Z", { i: -5n }],
    ],
  );
});
