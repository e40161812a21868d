/**
 * Proves the HTTP-JSON Processor client against real HTTP servers on 127.0.0.1 that answer as each test scripts:
 * one JSON POST per step over a kept-alive connection with the deadline in the body and in a header, and every row
 * of the protocol's error table (docs/processor-protocol.md §6): 503 and 429 transient with Retry-After on the
 * error, 502 and 504 transient with an unknown result, other statuses and bodies that are not results fatal with
 * the processor's words, a processor slower than the deadline transient, a refused connection transient.
 */
import assert from "node:assert/strict";
import type http from "node:http";
import { after, before, beforeEach, test } from "node:test";
import {
  ProcessorFailedError,
  ProcessorResultInvalidError,
  ProcessorTimeoutError,
  ProcessorUnavailableError,
} from "../../../src/core/errors.js";
import { EMPTY_AUX_STATE } from "../../../src/core/machine.js";
import type { StepResult } from "../../../src/core/processor-result.js";
import { createHttpJsonProcessor } from "../../../src/http/processor-protocol/http-json-processor.js";
import type { WireRequest } from "../../../src/http/processor-protocol/protocol-schema.js";
import { encodeValue } from "../../../src/mg/msgpack/msgpack-value.js";
import { valueFromNaturalJson } from "../../../src/mg/msgpack/natural-json.js";
import type { ProcessOptions, Processor, ProcessorRequest } from "../../../src/processors/processor.js";
import { closedPort, type LocalServer, listen, nowUs } from "../../mg/woody/local-http.js";

type Behaviour = (request: http.IncomingMessage, response: http.ServerResponse) => void;

interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly body: WireRequest;
}

let server: LocalServer;
let behave: Behaviour;
let received: Received[];
const hanging: http.ServerResponse[] = [];

before(async () => {
  server = await listen((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as WireRequest;
      received.push({ headers: request.headers, method: request.method, url: request.url, body });
      behave(request, response);
    });
  });
});

beforeEach(() => {
  received = [];
  behave = answerJson(200, {});
});

after(async () => {
  for (const response of hanging) response.destroy();
  await server.close();
});

function answerJson(status: number, body: unknown, headers: Record<string, string> = {}): Behaviour {
  return (_request, response) => {
    response.writeHead(status, { "content-type": "application/json", ...headers });
    response.end(JSON.stringify(body));
  };
}

function answerText(status: number, text: string, headers: Record<string, string> = {}): Behaviour {
  return (_request, response) => {
    response.writeHead(status, { "content-type": "text/plain", ...headers });
    response.end(text);
  };
}

const encode = (json: unknown) => encodeValue(valueFromNaturalJson(json));

function callRequest(): ProcessorRequest {
  const machine = {
    namespace: "payments",
    id: "pay-1",
    history: [],
    historyRange: { direction: "forward" as const },
    auxState: EMPTY_AUX_STATE,
    timerDueAtUs: null,
  };
  return { kind: "call", args: encode({ amount: 100 }), machine };
}

function stepOptions(extra: Partial<ProcessOptions> = {}): ProcessOptions {
  return { deadlineUs: nowUs() + 5_000_000, abortSignal: new AbortController().signal, ...extra };
}

function client(extra: { responseBytesMax?: number; url?: string } = {}): Processor {
  return createHttpJsonProcessor({ url: extra.url ?? server.url, nowUs, ...extra });
}

async function failureOf(processor: Processor, options = stepOptions()): Promise<Error> {
  try {
    await processor.process(callRequest(), options);
  } catch (error) {
    return error as Error;
  }
  assert.fail("the step should have failed");
}

test("a step is one JSON POST with the deadline in the body and a header, and its result comes back", async () => {
  const processor = client();
  behave = answerJson(200, { events: [{ data: { type: "paid" } }], response: "ok" });
  const attempt = { stepKey: "payments/pay-1/timer/0/1", number: 2 };
  const timerRequest = { ...callRequest(), kind: "timer" } as ProcessorRequest;
  const results: StepResult[] = [];
  results.push(await processor.process(callRequest(), stepOptions()));
  results.push(await processor.process(timerRequest, stepOptions({ attempt })));
  assert.deepEqual(results[0], {
    events: [{ data: encode({ type: "paid" }) }],
    timer: { kind: "unchanged" },
    remove: false,
    response: encode("ok"),
  });
  const [call, timer] = received;
  assert.ok(call !== undefined && timer !== undefined);
  assert.equal(call.method, "POST");
  assert.equal(call.url, "/v1/test");
  assert.equal(call.headers["content-type"], "application/json");
  assert.equal(call.headers["ratchet-deadline"], call.body.deadline);
  assert.match(call.body.deadline, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  assert.equal(call.headers["ratchet-step-key"], undefined, "a call has no step key");
  assert.deepEqual([call.body.kind, call.body.args, call.body.attempt], ["call", { amount: 100 }, null]);
  assert.equal(timer.headers["ratchet-step-key"], attempt.stepKey);
  assert.deepEqual([timer.body.attempt, timer.body.step_key], [2, attempt.stepKey]);
  assert.equal(server.connections(), 1, "the second step reused the kept-alive connection");
  await processor.close?.();
});

test("503 and 429 are ProcessorUnavailableError (not processed), carrying Retry-After in ms (the first, when repeated)", async () => {
  const processor = client();
  behave = answerText(503, "warming up", { "retry-after": "7" });
  const seconds = await failureOf(processor);
  assert.ok(seconds instanceof ProcessorUnavailableError);
  assert.equal(seconds.retryAfterMs, 7000);
  assert.equal(seconds.failureClass, "not_processed");
  assert.equal(seconds.message, `processor ${server.url} answered HTTP 503: warming up`);
  const inThirtySeconds = new Date(Date.now() + 30_000).toUTCString();
  behave = answerJson(429, { title: "Too Many Requests" }, { "retry-after": inThirtySeconds });
  const date = await failureOf(processor);
  assert.ok(date instanceof ProcessorUnavailableError);
  assert.ok(
    date.retryAfterMs !== undefined && date.retryAfterMs > 27_000 && date.retryAfterMs <= 30_000,
    `Retry-After as an HTTP date: ${date.retryAfterMs} ms`,
  );
  for (const header of [undefined, "soon", "-1"]) {
    behave = answerText(503, "", header === undefined ? {} : { "retry-after": header });
    const error = await failureOf(processor);
    assert.ok(error instanceof ProcessorUnavailableError);
    assert.equal(error.retryAfterMs, undefined, `Retry-After ${header}`);
  }
  // Twice (a proxy adding its own): the first, the processor's, counts.
  behave = (_request, response) => {
    response.setHeader("retry-after", ["5", "60"]);
    response.writeHead(503, { "content-type": "text/plain" });
    response.end("busy");
  };
  const repeated = await failureOf(processor);
  assert.ok(repeated instanceof ProcessorUnavailableError, String(repeated));
  assert.equal(repeated.retryAfterMs, 5000);
  await processor.close?.();
});

test("502 and 504 are ProcessorTimeoutError: a gateway may have passed the step on", async () => {
  const processor = client();
  for (const status of [502, 504]) {
    behave = answerText(status, "upstream");
    const error = await failureOf(processor);
    assert.ok(error instanceof ProcessorTimeoutError, `${status}: ${error}`);
    assert.equal(error.failureClass, "result_unknown");
  }
  await processor.close?.();
});

test("500 and every other status fail the step with the processor's own words", async () => {
  const processor = client();
  const problem = { type: "about:blank", title: "Internal Server Error", detail: "card store is corrupt" };
  const cases: Array<[Behaviour, string]> = [
    [answerJson(500, problem), "answered HTTP 500: card store is corrupt"],
    [answerJson(500, { title: "boom" }), "answered HTTP 500: boom"],
    [answerText(404, "no such route\n"), "answered HTTP 404: no such route"],
    [answerText(400, ""), "answered HTTP 400"],
    [answerText(500, "x".repeat(1000)), `answered HTTP 500: ${"x".repeat(300)}…`],
  ];
  for (const [behaviour, words] of cases) {
    behave = behaviour;
    const error = await failureOf(processor);
    assert.ok(error instanceof ProcessorFailedError, String(error));
    assert.equal(error.message, `processor ${server.url} ${words}`);
  }
  await processor.close?.();
});

test("a 200 whose body is not JSON, or not a result, fails the step with a readable reason", async () => {
  const processor = client();
  behave = answerText(200, "<html>oops</html>");
  const notJson = await failureOf(processor);
  assert.ok(notJson instanceof ProcessorResultInvalidError);
  assert.match(
    notJson.message,
    /^processor http:\S+ answered 200 with a body that is not JSON \(.+\): <html>oops<\/html>$/,
  );
  behave = answerJson(200, { evnts: [] });
  const notResult = await failureOf(processor);
  assert.ok(notResult instanceof ProcessorResultInvalidError);
  assert.equal(
    notResult.message,
    `processor ${server.url}: the result does not validate: the result: Unrecognized key: "evnts"`,
  );
  await processor.close?.();
});

test("a processor slower than the deadline is a transient timeout; an aborted step ends at once", async () => {
  const processor = client();
  behave = (_request, response) => hanging.push(response);
  const began = Date.now();
  const slow = await failureOf(processor, stepOptions({ deadlineUs: nowUs() + 300_000 }));
  const tookMs = Date.now() - began;
  assert.ok(slow instanceof ProcessorTimeoutError, String(slow));
  assert.match(slow.message, /no answer within \d+ ms/);
  assert.ok(tookMs >= 250 && tookMs < 3000, `ended at the deadline, after ${tookMs} ms`);
  const abort = new AbortController();
  const aborting = failureOf(processor, stepOptions({ abortSignal: abort.signal }));
  while (received.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  const abortedAt = Date.now();
  abort.abort();
  const aborted = await aborting;
  assert.ok(aborted instanceof ProcessorTimeoutError, String(aborted));
  assert.match(aborted.message, /aborted after the request was sent/);
  assert.ok(Date.now() - abortedAt < 1000, "the abort ended the request at once");
  await processor.close?.();
});

test("a refused connection, a passed deadline and an oversized answer: transient, transient, fatal", async () => {
  const refused = client({ url: `http://127.0.0.1:${await closedPort()}/p` });
  const error = await failureOf(refused);
  assert.ok(error instanceof ProcessorUnavailableError, String(error));
  assert.match(error.message, /ECONNREFUSED/);
  await refused.close?.();
  const processor = client({ responseBytesMax: 1000 });
  const late = await failureOf(processor, stepOptions({ deadlineUs: nowUs() - 1 }));
  assert.ok(late instanceof ProcessorUnavailableError);
  assert.equal(received.length, 0, "nothing was sent past the deadline");
  behave = answerJson(200, { response: "x".repeat(2000) });
  const large = await failureOf(processor);
  assert.ok(large instanceof ProcessorResultInvalidError, String(large));
  assert.match(large.message, /response above 1000 bytes/);
  await processor.close?.();
});
