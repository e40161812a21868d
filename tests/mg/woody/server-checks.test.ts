/**
 * Proves the woody server side answers as machinegun-protocol.md §3.5 and §3.6 require: a real HTTP server on
 * 127.0.0.1 serves a test Automaton through createWoodyService, and raw requests break each check in turn
 * (and several at once, to show the order), then exercise replies, business errors and system errors.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { MG_SCHEMA, stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import { decodeReply, encodeCall } from "../../../src/mg/thrift/message.js";
import type { WoodyContext } from "../../../src/mg/woody/context.js";
import { WoodyBusinessError, WoodySystemError } from "../../../src/mg/woody/errors.js";
import { createWoodyService } from "../../../src/mg/woody/service-router.js";
import { bytesOf } from "../thrift/hex.js";
import { type LocalServer, listen, nowUs, rawRequest, woodyHeaders } from "./local-http.js";

const automaton = MG_SCHEMA.services["state_processing.Automaton"]!;
const BODY_BYTES_MAX = 64 * 1024;
const contexts: WoodyContext[] = [];
let server: LocalServer;

const START_BODY = encodeCall(
  MG_SCHEMA,
  automaton.functions.Start!,
  { ns: "ns", id: "id", a: { nl: {} } },
  { seqid: 0 },
);

function startBody(id: string, seqid = 0): Uint8Array {
  return encodeCall(MG_SCHEMA, automaton.functions.Start!, { ns: "ns", id, a: { nl: {} } }, { seqid });
}

before(async () => {
  const handle = createWoodyService({
    schema: MG_SCHEMA,
    service: stateProcessing.SERVICE.Automaton,
    bodyBytesMax: BODY_BYTES_MAX,
    nowUs,
    handlers: {
      async Start({ id }, context) {
        contexts.push(context);
        if (id === "exists") throw new WoodyBusinessError("MachineAlreadyExists");
        if (id === "undeclared") throw new WoodyBusinessError("MachineAlreadyWorking");
        if (id === "busy") throw new WoodySystemError("resource unavailable", "internal", "overloaded");
        if (id === "slow") throw new WoodySystemError("result unknown", "internal", "timed out");
        if (id === "downstream")
          throw new WoodySystemError("result unknown", "external", "processor timed out");
        if (id === "boom") throw new Error("handler crashed\nwith a newline");
      },
      async Call({ a }) {
        return a;
      },
      async GetMachine() {
        return { ns: "ns" } as unknown as stateProcessing.Machine;
      },
      async Repair() {
        throw new WoodyBusinessError("RepairFailed", { reason: { str: "no" } });
      },
      async SimpleRepair() {},
      async Remove() {},
      async Modernize() {},
      async Notify() {
        return { id: "n1" };
      },
    },
  });
  server = await listen((request, response) => void handle(request, response));
});

after(() => server.close());

async function post(
  headers: Record<string, string | number>,
  body: Uint8Array = START_BODY,
  method = "POST",
) {
  return rawRequest({ url: server.url, method, headers, body });
}

function assertRejected(
  answer: { status: number; headers: Record<string, unknown>; body: Buffer },
  status: number,
  reason: RegExp,
) {
  assert.equal(answer.status, status);
  assert.equal(
    answer.headers["woody.error-class"],
    status === 503 ? "Resource Unavailable" : "Result Unexpected",
  );
  assert.match(String(answer.headers["woody.error-reason"]), reason);
  assert.equal(answer.body.byteLength, 0);
}

test("1: a method other than POST gets 405 with allow: POST, before any other check", async () => {
  const answer = await post({}, new Uint8Array(), "GET");
  assertRejected(answer, 405, /./);
  assert.equal(answer.headers.allow, "POST");
});

test("2: a content-type other than exactly application/x-thrift gets 415, before accept and ids", async () => {
  for (const contentType of ["application/x-thrift; charset=utf-8", "application/json", ""]) {
    const headers = { "content-type": contentType, accept: "*/*" };
    assertRejected(await post(headers), 415, /./);
  }
});

test("3: an accept other than absent or exactly application/x-thrift gets 406, including */*", async () => {
  assertRejected(await post(woodyHeaders({ accept: "*/*" })), 406, /./);
  const { accept: _, ...withoutAccept } = woodyHeaders();
  assert.equal((await post(withoutAccept)).status, 200);
});

test("4: a missing or over-long trace id header gets 400 bad woody. id header", async () => {
  for (const name of ["woody.trace-id", "woody.span-id", "woody.parent-id"]) {
    const headers = woodyHeaders();
    delete headers[name];
    assertRejected(await post(headers), 400, /^bad woody\. id header$/);
  }
  assertRejected(await post(woodyHeaders({ "woody.span-id": "x".repeat(65) })), 400, /bad woody\. id header/);
  assert.equal((await post(woodyHeaders({ "woody.span-id": "x".repeat(64) }))).status, 200);
});

test("5: a deadline that is not RFC 3339 UTC gets 400 bad woody.deadline header", async () => {
  for (const deadline of ["2099-01-01T00:00:00.000+03:00", "tomorrow", "2099-01-01 00:00:00"]) {
    assertRejected(
      await post(woodyHeaders({ "woody.deadline": deadline })),
      400,
      /^bad woody\.deadline header: /,
    );
  }
  for (const deadline of [
    "2099-01-01T00:00:00Z",
    "2099-01-01T00:00:00.123456+00:00",
    "2099-01-01T00:00:00-00:00",
  ]) {
    assert.equal((await post(woodyHeaders({ "woody.deadline": deadline }))).status, 200, deadline);
  }
});

test("6: a deadline already passed gets 503 deadline reached, and the handler does not run", async () => {
  const before = contexts.length;
  const answer = await post(woodyHeaders({ "woody.deadline": "2020-01-01T00:00:00.000Z" }));
  assertRejected(answer, 503, /^deadline reached$/);
  assert.equal(contexts.length, before);
});

test("7: an empty body gets 400 body empty", async () => {
  assertRejected(await post(woodyHeaders(), new Uint8Array()), 400, /^body empty$/);
});

test("8: bodies that do not decode get 400 with woody's reasons, quickly", async () => {
  const cases: Array<[string, RegExp]> = [
    ["00 00 00 05 53 74 61 72 74 01 00 00 00 00 00", /^thrift: no binary protocol version$/],
    [Buffer.from("GET / HTTP/1.1\r\n\r\n").toString("hex"), /^thrift: no binary protocol version$/],
    [
      "80 02 00 01 00 00 00 05 53 74 61 72 74 00 00 00 00 00",
      /^thrift: bad binary protocol version: -2147352575$/,
    ],
    ["80 01 00 01 00 00 00 03 46 6f 6f 00 00 00 00 00", /^thrift: unknown function: Foo$/],
    [
      "80 01 00 01 00 00 00 0f 41 75 74 6f 6d 61 74 6f 6e 3a 53 74 61 72 74 00 00 00 00 00",
      /^thrift: multiplexing \(not supported\)$/,
    ],
    ["80 01 00 01 00 00 00 05 53 74 61 72 74 00 00 00 00 00 00", /^thrift decode error: 1 trailing bytes$/],
    ["80 01 00 01 00 00 00 05 53 74 61", /^thrift decode error: /],
    ["80 01 00 01 00 00 00 05 53 74 61 72 74 00 00 00 00 0b 00 01 7f ff ff ff 00", /claims 2147483647 bytes/],
    [
      "80 01 00 01 00 00 00 04 43 61 6c 6c 00 00 00 00 0c 00 02 0f 00 08 0c 7f ff ff ff 00 00",
      /claims 2147483647 elements/,
    ],
    [
      "80 01 00 01 00 00 00 04 43 61 6c 6c 00 00 00 00 0c 00 01 08 00 01 00 00 00 01 00 00",
      /required field ns/,
    ],
    ["80 01 00 02 00 00 00 05 53 74 61 72 74 00 00 00 00 00", /neither CALL nor ONEWAY/],
  ];
  for (const [dump, reason] of cases) {
    const startedAt = performance.now();
    assertRejected(await post(woodyHeaders(), bytesOf(dump)), 400, reason);
    assert.ok(performance.now() - startedAt < 1000);
  }
  const deep = new Uint8Array(17 + 3 + 8 * 1000);
  deep.set(bytesOf("80 01 00 01 00 00 00 04 43 61 6c 6c 00 00 00 00 0c 00 02"));
  for (let level = 0; level < 1000; level += 1)
    deep.set([0x0f, 0x00, 0x08, 0x0c, 0, 0, 0, 1], 19 + level * 8);
  assertRejected(await post(woodyHeaders(), deep), 400, /nesting deeper than 64/);
});

test("a body above the cap gets 413, whether its length is declared or streamed", async () => {
  const large = new Uint8Array(BODY_BYTES_MAX + 1);
  const declared = await post(woodyHeaders({ "content-length": large.byteLength }), large);
  assertRejected(declared, 413, /^body too large/);
  assert.equal(declared.headers.connection, "close");
  const streamed = await post(woodyHeaders({ "transfer-encoding": "chunked" }), large);
  assertRejected(streamed, 413, /^body too large/);
});

test("a call is answered 200 with a REPLY echoing name and seqid, and the context reaches the handler", async () => {
  const answer = await post(
    woodyHeaders({ "woody.deadline": "2099-01-01T00:00:00.000Z", "Woody.Meta.User-Identity.Id": "u1" }),
    startBody("id", 7),
  );
  assert.equal(answer.status, 200);
  assert.equal(answer.headers["content-type"], "application/x-thrift");
  assert.equal(answer.headers["woody.error-class"], undefined);
  const outcome = decodeReply(MG_SCHEMA, automaton.functions.Start!, answer.body, { seqid: 7 });
  assert.deepEqual(outcome, { kind: "success", value: undefined });
  assert.deepEqual(contexts.at(-1), {
    traceId: "trace-1",
    spanId: "span-1",
    parentId: "undefined",
    meta: { "user-identity.id": "u1" },
    deadlineUs: Date.UTC(2099, 0, 1) * 1000,
  });
  const call = encodeCall(
    MG_SCHEMA,
    automaton.functions.Call!,
    { desc: { ns: "n", ref: { id: "i" }, range: {} }, a: { i: 2n ** 60n } },
    { seqid: 0 },
  );
  const reply = decodeReply(MG_SCHEMA, automaton.functions.Call!, (await post(woodyHeaders(), call)).body, {
    seqid: 0,
  });
  assert.deepEqual(reply, { kind: "success", value: { i: 2n ** 60n } });
});

test("a declared exception is 200 + Business Error + its type name, at its throws id", async () => {
  const answer = await post(woodyHeaders(), startBody("exists"));
  assert.equal(answer.status, 200);
  assert.equal(answer.headers["woody.error-class"], "Business Error");
  assert.equal(answer.headers["woody.error-reason"], "MachineAlreadyExists");
  assert.equal(answer.body.toString("hex"), "80010002000000055374617274000000000c00020000");
  const repair = encodeCall(
    MG_SCHEMA,
    automaton.functions.Repair!,
    { desc: { ns: "n", ref: { id: "i" }, range: {} }, a: { nl: {} } },
    { seqid: 0 },
  );
  const repaired = await post(woodyHeaders(), repair);
  assert.equal(repaired.headers["woody.error-reason"], "RepairFailed");
  assert.deepEqual(decodeReply(MG_SCHEMA, automaton.functions.Repair!, repaired.body, { seqid: 0 }), {
    kind: "exception",
    field: "ex5",
    typeName: "RepairFailed",
    value: { reason: { str: "no" } },
  });
});

test("system errors map to 503, 504, 502 and 500 with Title Case classes and no body", async () => {
  const cases: Array<[string, number, string]> = [
    ["busy", 503, "Resource Unavailable"],
    ["slow", 504, "Result Unknown"],
    ["downstream", 502, "Result Unknown"],
    ["boom", 500, "Result Unexpected"],
    ["undeclared", 500, "Result Unexpected"],
  ];
  for (const [id, status, errorClass] of cases) {
    const answer = await post(woodyHeaders(), startBody(id));
    assert.equal(answer.status, status, id);
    assert.equal(answer.headers["woody.error-class"], errorClass, id);
    assert.equal(answer.body.byteLength, 0);
  }
  const crashed = await post(woodyHeaders(), startBody("boom"));
  assert.equal(crashed.headers["woody.error-reason"], "handler crashed with a newline");
});

test("a missing argument or a result that breaks the schema is 500 Result Unexpected", async () => {
  const missing = bytesOf("80 01 00 01 00 00 00 05 53 74 61 72 74 00 00 00 00 0b 00 01 00 00 00 01 6e 00");
  const answer = await post(woodyHeaders(), missing);
  assert.equal(answer.status, 500);
  assert.match(String(answer.headers["woody.error-reason"]), /argument id of Start is missing/);
  const get = encodeCall(
    MG_SCHEMA,
    automaton.functions.GetMachine!,
    { desc: { ns: "n", ref: { id: "i" }, range: {} } },
    { seqid: 0 },
  );
  const broken = await post(woodyHeaders(), get);
  assert.equal(broken.status, 500);
  assert.match(
    String(broken.headers["woody.error-reason"]),
    /required field id of state_processing.Machine is missing/,
  );
});
