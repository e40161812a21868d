/**
 * The exact inputs the woody fuzz targets found, each a plain test: a deadline that names no instant was rolled
 * over into another date (and a request answered 503 instead of 400), and a `woody.meta.__proto__` header was
 * silently dropped from the context. Requests go through the real reader on a real IncomingMessage.
 */
import assert from "node:assert/strict";
import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { test } from "node:test";
import { InvalidRequestError, ProcessorResultInvalidError } from "../../src/core/errors.js";
import { stepResultFromThrift } from "../../src/mg/step-result-from-thrift.js";
import { MG_SCHEMA } from "../../src/mg/thrift/generated/index.js";
import { encodeCall } from "../../src/mg/thrift/message.js";
import { serviceSchemaOf } from "../../src/mg/thrift/schema.js";
import { fromRequestContext, toRequestContext } from "../../src/mg/woody/context.js";
import { parseDeadline } from "../../src/mg/woody/deadline.js";
import { type RequestOutcome, readWoodyRequest } from "../../src/mg/woody/request-reader.js";

const AUTOMATON = serviceSchemaOf(MG_SCHEMA, "state_processing.Automaton");

function readRequest(extraHeaders: Record<string, string>): Promise<RequestOutcome> {
  const body = encodeCall(MG_SCHEMA, AUTOMATON.functions.Remove!, { ns: "ns", id: "id" }, { seqid: 0 });
  const message = new IncomingMessage(new Socket());
  message.method = "POST";
  message.headers = {
    "content-type": "application/x-thrift",
    "content-length": String(body.byteLength),
    "woody.trace-id": "t",
    "woody.span-id": "s",
    "woody.parent-id": "undefined",
    ...extraHeaders,
  };
  const outcome = readWoodyRequest(message, {
    schema: MG_SCHEMA,
    service: AUTOMATON,
    nowUs: () => Date.now() * 1000,
  });
  message.push(body);
  message.push(null);
  return outcome;
}

test("a deadline of month 0, day 0 was read as 1969-11-30 and answered 503; now 400, it names no date", async () => {
  const outcome = await readRequest({ "woody.deadline": "1970-00-00T00:00:00Z" });
  assert.equal(outcome.ok, false);
  assert.deepEqual(outcome.ok ? undefined : [outcome.rejection.status, outcome.rejection.reason], [
    400,
    'bad woody.deadline header: woody.deadline "1970-00-00T00:00:00Z" is not a date',
  ]);
});

test("deadline fields out of range were rolled over into other dates; now each is refused", () => {
  for (const text of [
    "2200-13-01T00:00:00Z",
    "2200-02-30T00:00:00Z",
    "2100-02-29T00:00:00Z",
    "2200-01-32T00:00:00Z",
    "2200-01-01T24:00:00Z",
    "2200-01-01T00:60:00Z",
    "2200-01-01T00:00:61Z",
  ]) {
    assert.throws(() => parseDeadline(text), InvalidRequestError, text);
  }
  assert.equal(parseDeadline("2104-02-29T00:00:00Z"), Date.UTC(2104, 1, 29) * 1000);
  // Second 60 is RFC 3339's leap second, the first of the next minute.
  assert.equal(parseDeadline("2016-12-31T23:59:60Z"), Date.UTC(2017, 0, 1) * 1000);
});

test("years 0000-0099 were read as 1900-1999; now as themselves", () => {
  const year50 = new Date(0);
  year50.setUTCFullYear(50, 0, 1);
  assert.equal(parseDeadline("0050-01-01T00:00:00Z"), year50.getTime() * 1000);
});

test("a processor's timer deadline of month 13 was set to the next January; now the result is refused", () => {
  const result = {
    change: {},
    action: { timer: { set_timer: { timer: { deadline: "2200-13-01T00:00:00Z" } } } },
  };
  assert.throws(() => stepResultFromThrift(result), ProcessorResultInvalidError);
});

test("woody.meta.__proto__ was dropped from the context; now it is kept, also through the stored form", async () => {
  const outcome = await readRequest({ "woody.meta.__proto__": "kept", "woody.meta.user": "u" });
  assert.ok(outcome.ok);
  const { meta } = outcome.call.context;
  assert.deepEqual(Object.entries(meta), [
    ["__proto__", "kept"],
    ["user", "u"],
  ]);
  assert.equal(Object.getPrototypeOf(meta), Object.prototype);
  const restored = fromRequestContext(toRequestContext(outcome.call.context));
  assert.deepEqual(Object.entries(restored?.meta ?? {}), Object.entries(meta));
});
