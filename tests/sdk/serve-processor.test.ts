/**
 * Proves serveProcessor's HTTP side with raw requests over real sockets: a request that is not JSON or not the
 * protocol's request is refused with 400 and problem+json naming what is wrong, a body above the limit (declared
 * or chunked) with 413, "try later" is 503 with Retry-After in whole seconds, a failure is 500 with the handler's
 * words (and reaches onError), the handler's signal aborts at the step's deadline, `/health` answers, and close()
 * lets a step in flight answer before it resolves.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { formatInstantUs } from "../../src/http/processor-protocol/wire-request.js";
import {
  defineProcessor,
  processorUnavailable,
  type ServedProcessor,
  serveProcessor,
} from "../../src/sdk/index.js";
import { rawRequest } from "../mg/woody/local-http.js";

const failures: string[] = [];
let aborted: Promise<number> | undefined;
let release: () => void = () => {};
let holding = false;

const processor = defineProcessor({
  call: async ({ args, signal, result }) => {
    switch (args) {
      case "busy":
        throw processorUnavailable("the ledger is busy", { retryAfterMs: 1500 });
      case "crash":
        throw new Error("ledger record 7 is corrupt");
      case "wait for the deadline": {
        const startedAt = Date.now();
        aborted = new Promise((resolve) =>
          signal.addEventListener("abort", () => resolve(Date.now() - startedAt), { once: true }),
        );
        await aborted;
        return result.respond("too late");
      }
      case "hold":
        await new Promise<void>((resolve) => {
          release = resolve;
          holding = true;
        });
        return result.respond("held");
      default:
        return result.respond(args);
    }
  },
});

let served: ServedProcessor;

before(async () => {
  served = await serveProcessor(processor, {
    port: 0,
    bodyBytesMax: 64 * 1024,
    onError: (error, step) => failures.push(`${step.kind} ${step.machineId}: ${error.message}`),
  });
});

after(() => served.close());

function stepRequest(args: unknown, deadlineMs = 5000) {
  return {
    version: 1,
    kind: "call",
    namespace: "ledger",
    machine_id: "l-1",
    args,
    history: [],
    history_range: { after: null, limit: null, direction: "forward" },
    aux_state: { format_version: null, data: null },
    timer: null,
    deadline: formatInstantUs((Date.now() + deadlineMs) * 1000),
    attempt: null,
    step_key: null,
    notification_id: null,
    context: {},
  };
}

async function post(body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const answer = await rawRequest({
    url: `${served.url}/ledger`,
    headers: { "content-type": "application/json", ...headers },
    body: Buffer.from(text),
  });
  return { ...answer, json: JSON.parse(answer.body.toString("utf8")) as Record<string, unknown> };
}

test("a step is answered with its result as JSON", async () => {
  const answer = await post(stepRequest({ amount: 5 }));
  assert.equal(answer.status, 200);
  assert.match(String(answer.headers["content-type"]), /^application\/json/);
  assert.deepEqual(answer.json, { response: { amount: 5 } });
});

test("a request that is not JSON, or not the protocol's request, is refused with 400 naming what is wrong", async () => {
  const notJson = await post("{nope");
  assert.equal(notJson.status, 400);
  assert.equal(notJson.headers["content-type"], "application/problem+json");
  assert.match(String(notJson.json.detail), /^the request is not JSON: /);
  const { deadline: _deadline, ...withoutDeadline } = stepRequest(null);
  const invalid = await post({ ...withoutDeadline, kind: "poke" });
  assert.equal(invalid.status, 400);
  assert.equal(
    invalid.json.detail,
    'the request does not validate: kind: Invalid option: expected one of "init"|"call"|"repair"|"timer"|"notification"; deadline: Invalid input: expected string, received undefined',
  );
  const future = await post({ ...stepRequest(null), version: 2 });
  assert.equal(future.status, 400);
  assert.match(String(future.json.detail), /^the request does not validate: version: /);
});

test("a body above the limit is refused with 413", async () => {
  const answer = await post(stepRequest("x".repeat(70 * 1024)));
  assert.equal(answer.status, 413);
  assert.equal(answer.json.detail, "the request is above the processor's body limit");
});

/** A POST whose body fetch sends chunked: a stream, whose length it cannot declare. */
async function postChunked(body: unknown) {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let offset = 0; offset < bytes.length; offset += 16 * 1024)
        controller.enqueue(bytes.subarray(offset, offset + 16 * 1024));
      controller.close();
    },
  });
  const init = {
    method: "POST",
    body: stream,
    duplex: "half",
    headers: { "content-type": "application/json" },
  };
  const answer = await fetch(`${served.url}/ledger`, init as RequestInit);
  return { status: answer.status, json: (await answer.json()) as Record<string, unknown> };
}

test("a chunked request is served as one with a length; a chunked body above the limit is 413", async () => {
  const answer = await postChunked(stepRequest({ amount: 6 }));
  assert.deepEqual(answer, { status: 200, json: { response: { amount: 6 } } });
  const large = await postChunked(stepRequest("x".repeat(70 * 1024)));
  assert.equal(large.status, 413);
  assert.equal(large.json.detail, "the request is above the processor's body limit");
});

test("try later is 503 with Retry-After in whole seconds; a failure is 500 with the handler's words", async () => {
  const busy = await post(stepRequest("busy"));
  assert.equal(busy.status, 503);
  assert.equal(busy.headers["retry-after"], "2");
  assert.equal(busy.json.detail, "the ledger is busy");
  const crash = await post(stepRequest("crash"));
  assert.equal(crash.status, 500);
  assert.deepEqual(crash.json, {
    type: "about:blank",
    title: "Internal Server Error",
    status: 500,
    detail: "ledger record 7 is corrupt",
  });
  assert.deepEqual(failures, ["call l-1: ledger record 7 is corrupt"]);
});

test("the handler's signal aborts at the step's deadline", async () => {
  const answer = await post(stepRequest("wait for the deadline", 300));
  assert.equal(answer.status, 200);
  const afterMs = await (aborted as Promise<number>);
  assert.ok(afterMs >= 250 && afterMs < 2000, `aborted after ${afterMs} ms`);
});

test("/health answers 200; another method is 405", async () => {
  const health = await rawRequest({ url: `${served.url}/health`, method: "GET" });
  assert.deepEqual([health.status, JSON.parse(health.body.toString())], [200, { status: "ok" }]);
  const get = await rawRequest({ url: `${served.url}/ledger`, method: "GET" });
  assert.deepEqual([get.status, get.headers.allow], [405, "POST"]);
});

test("close() lets the step in flight answer, then resolves", async () => {
  const held = post(stepRequest("hold"));
  while (!holding) await new Promise((resolve) => setTimeout(resolve, 5));
  let closed = false;
  const closing = served.close().then(() => {
    closed = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(closed, false, "close waits for the step in flight");
  release();
  const answer = await held;
  assert.deepEqual([answer.status, answer.json], [200, { response: "held" }]);
  await closing;
  assert.equal(closed, true);
});
