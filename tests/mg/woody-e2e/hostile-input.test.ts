/**
 * Proves the running Automaton server survives bad input over the wire: a body that is not Thrift, an unknown
 * method, a truncated message, a string claiming 2 GiB, wrong field types, a negative history limit and an unknown
 * direction each get woody's error response (status and `woody.error-class`), the next valid call succeeds, and
 * the heap after 200 hostile requests (measured with `process.memoryUsage()` after a full GC) stays bounded.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { BinaryWriter } from "../../../src/mg/thrift/binary-writer.js";
import { MG_SCHEMA, stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import { encodeCall, MESSAGE_TYPE, STRICT_VERSION } from "../../../src/mg/thrift/message.js";
import { serviceSchemaOf } from "../../../src/mg/thrift/schema.js";
import { rawRequest, woodyHeaders } from "../woody/local-http.js";
import { descriptor, type E2eNode, NS, startE2eNode } from "./harness.js";
import { bin, textOf } from "./mg-test-processor.js";

const AUTOMATON = serviceSchemaOf(MG_SCHEMA, stateProcessing.SERVICE.Automaton);
const HOSTILE_REQUESTS = 200;
/** Far above what 200 requests of a few bytes may leave behind, far below one 2 GiB allocation. */
const HEAP_GROWTH_BYTES_MAX = 32 * 1024 * 1024;

let e2e: E2eNode;

before(async () => {
  e2e = await startE2eNode();
  await e2e.automaton.call("Start", { ns: NS, id: "survivor", a: bin("start") });
});

after(() => e2e.close());

function method(name: string) {
  const schema = AUTOMATON.functions[name];
  assert.ok(schema !== undefined);
  return schema;
}

/** A strict CALL header for `name`, then `body` as the argument struct's bytes. */
function message(name: string, write: (writer: BinaryWriter) => void): Uint8Array {
  const writer = new BinaryWriter();
  writer.writeI32(STRICT_VERSION | MESSAGE_TYPE.CALL);
  writer.writeString(name);
  writer.writeI32(0);
  write(writer);
  return writer.finish();
}

const validCall = () =>
  encodeCall(MG_SCHEMA, method("Call"), { desc: descriptor("survivor"), a: bin("nop") }, { seqid: 0 });

/** Each hostile body with the status and reason woody answers it with. */
const HOSTILE: ReadonlyArray<{ name: string; body: () => Uint8Array; status: number; reason: RegExp }> = [
  {
    name: "a body that is not Thrift",
    body: () => new TextEncoder().encode("hello, is this thrift?"),
    status: 400,
    reason: /no binary protocol version/,
  },
  {
    name: "an unknown method",
    body: () => message("Explode", (writer) => writer.writeByte(0)),
    status: 400,
    reason: /unknown function: Explode/,
  },
  {
    name: "a truncated message",
    body: () => validCall().subarray(0, 30),
    status: 400,
    reason: /thrift decode error/,
  },
  {
    name: "a string claiming 2 GiB",
    body: () =>
      Buffer.concat([
        message("Start", (writer) => {
          writer.writeByte(0x0b);
          writer.writeI16(1);
          writer.writeI32(0x7fffffff);
        }),
        Buffer.from("NS"),
      ]),
    status: 400,
    reason: /claims 2147483647 bytes/,
  },
  {
    name: "a wrong field type inside a struct (descriptor ns as i32)",
    body: () =>
      message("GetMachine", (writer) => {
        writer.writeByte(0x0c);
        writer.writeI16(1);
        writer.writeByte(0x08);
        writer.writeI16(1);
        writer.writeI32(42);
        writer.writeByte(0);
        writer.writeByte(0);
      }),
    status: 400,
    reason: /required field ns/,
  },
  {
    // woody hands a mistyped (so missing) argument to the handler as undefined, and MG crashes on it: 500.
    name: "a wrong argument type (Remove ns as i32)",
    body: () =>
      message("Remove", (writer) => {
        writer.writeByte(0x08);
        writer.writeI16(1);
        writer.writeI32(42);
        writer.writeByte(0);
      }),
    status: 500,
    reason: /argument ns of Remove is missing/,
  },
  {
    name: "an unknown direction value",
    body: () =>
      message("GetMachine", (writer) => {
        writer.writeByte(0x0c);
        writer.writeI16(1);
        writer.writeByte(0x0b);
        writer.writeI16(1);
        writer.writeString(NS);
        writer.writeByte(0x0c);
        writer.writeI16(2);
        writer.writeByte(0x0b);
        writer.writeI16(1);
        writer.writeString("survivor");
        writer.writeByte(0);
        writer.writeByte(0x0c);
        writer.writeI16(3);
        writer.writeByte(0x08);
        writer.writeI16(3);
        writer.writeI32(3);
        writer.writeByte(0);
        writer.writeByte(0);
        writer.writeByte(0);
      }),
    status: 400,
    reason: /3 is not a value of enum state_processing.Direction/,
  },
  {
    name: "a negative history limit",
    body: () =>
      encodeCall(
        MG_SCHEMA,
        method("GetMachine"),
        { desc: descriptor("survivor", { limit: -1 }) },
        { seqid: 0 },
      ),
    status: 500,
    reason: /invalid request: history range limit -1/,
  },
];

async function send(body: Uint8Array) {
  return rawRequest({ url: e2e.automatonUrl, headers: woodyHeaders(), body });
}

async function stillServes(): Promise<void> {
  const response = await e2e.automaton.call("Call", { desc: descriptor("survivor"), a: bin("nop") });
  assert.equal(textOf(response), "nop");
}

for (const hostile of HOSTILE) {
  test(`${hostile.name}: ${hostile.status} Result Unexpected, and the next call is served`, async () => {
    const answer = await send(hostile.body());
    assert.equal(answer.status, hostile.status);
    assert.equal(answer.headers["woody.error-class"], "Result Unexpected");
    assert.match(String(answer.headers["woody.error-reason"]), hostile.reason);
    assert.equal(answer.body.byteLength, 0, "error responses have no body");
    await stillServes();
  });
}

test("arguments above args_bytes_max: 500 with the limit named, nothing started", async () => {
  const big = { bin: new Uint8Array(1024 * 1024 + 1) };
  const body = encodeCall(MG_SCHEMA, method("Start"), { ns: NS, id: "too-big", a: big }, { seqid: 0 });
  const answer = await send(body);
  assert.equal(answer.status, 500);
  assert.match(
    String(answer.headers["woody.error-reason"]),
    /invalid request: arguments bytes is \d+, above/,
  );
  await assert.rejects(e2e.automaton.call("GetMachine", { desc: descriptor("too-big") }), {
    typeName: "MachineNotFound",
  });
});

test(`${HOSTILE_REQUESTS} hostile requests leave the heap bounded and the server serving`, async (t) => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const bodies = HOSTILE.map((hostile) => hostile.body());
  // One round first, so lazily built code and caches are not counted as growth.
  for (const body of bodies) await send(body);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let index = 0; index < HOSTILE_REQUESTS; index += 1) {
    await send(bodies[index % bodies.length] as Uint8Array);
  }
  gc();
  const growth = process.memoryUsage().heapUsed - before;
  t.diagnostic(`heap growth after ${HOSTILE_REQUESTS} hostile requests: ${growth} bytes`);
  assert.ok(growth < HEAP_GROWTH_BYTES_MAX, `heap grew by ${growth} bytes`);
  await stillServes();
});
