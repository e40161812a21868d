/**
 * Proves what an HTTP-JSON processor's answers do to machines, on a real engine (SQLite) calling a real HTTP server
 * that answers as each test scripts: garbage fails the machine with a reason a person can read; a 503 does not (a
 * call is not processed, a timer or notification step is retried with the same step key and the next attempt);
 * a processor slower than the deadline is transient; a repair refused with `repair_failed` leaves the machine
 * failed and gives the caller the reason.
 */
import assert from "node:assert/strict";
import type http from "node:http";
import { after, afterEach, before, test } from "node:test";
import {
  MachineFailedError,
  ProcessorUnavailableError,
  RepairFailedError,
} from "../../../src/core/errors.js";
import type { RetryPolicy } from "../../../src/core/retry-policy.js";
import { createHttpJsonProcessor } from "../../../src/http/processor-protocol/http-json-processor.js";
import type { WireRequest } from "../../../src/http/processor-protocol/protocol-schema.js";
import { decodeValue, encodeValue } from "../../../src/mg/msgpack/msgpack-value.js";
import { valueFromNaturalJson, valueToNaturalJson } from "../../../src/mg/msgpack/natural-json.js";
import type { Processor } from "../../../src/processors/processor.js";
import { type LocalServer, listen, nowUs } from "../../mg/woody/local-http.js";
import { createTestEngine, type EngineFixture } from "../../support/engine-fixture.js";
import { waitFor } from "../../support/wait.js";

const NS = "payments";
/** Answers a step: a JSON body with 200, or [status, body, headers], or "hang" to never answer. */
type Script = (request: WireRequest) => unknown;

let server: LocalServer;
let script: Script;
let received: WireRequest[];
/** When each request arrived, ms: beside `received`, index for index. */
let arrivedAtMs: number[];
const hanging: http.ServerResponse[] = [];
let fixture: EngineFixture | undefined;
let processor: Processor | undefined;

before(async () => {
  server = await listen((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as WireRequest;
      received.push(body);
      arrivedAtMs.push(Date.now());
      answer(response, script(body));
    });
  });
});

afterEach(async () => {
  await fixture?.close();
  await processor?.close?.();
  for (const response of hanging.splice(0)) response.destroy();
});

after(() => server.close());

function answer(response: http.ServerResponse, scripted: unknown): void {
  if (scripted === "hang") {
    hanging.push(response);
    return;
  }
  const [status, body, headers] = Array.isArray(scripted) ? scripted : [200, scripted, {}];
  response.writeHead(status as number, { "content-type": "application/json", ...(headers as object) });
  response.end(typeof body === "string" ? body : JSON.stringify(body));
}

const FAST_RETRIES: RetryPolicy = {
  backoff: { kind: "exponential", initialIntervalMs: 20, factor: 1 },
  maxAttempts: 10,
};

function startEngine(scripted: Script, extra: { timerProcessingTimeoutMs?: number } = {}): EngineFixture {
  script = scripted;
  received = [];
  arrivedAtMs = [];
  processor = createHttpJsonProcessor({ url: server.url, nowUs });
  fixture = createTestEngine({
    namespaces: [
      {
        name: NS,
        processor,
        timerRetryPolicy: FAST_RETRIES,
        notificationRetryPolicy: FAST_RETRIES,
        ...extra,
      },
    ],
  });
  return fixture;
}

const encode = (json: unknown) => encodeValue(valueFromNaturalJson(json));
const decode = (bytes: Uint8Array) => valueToNaturalJson(decodeValue(bytes));
const stepsOf = (kind: string) => received.filter((request) => request.kind === kind);

/** init appends "created" and arms a timer now when its args say "timer"; other kinds as `rest` says. */
function withInit(rest: Script): Script {
  return (request) =>
    request.kind === "init"
      ? {
          events: [{ data: "created" }],
          ...(request.args === "timer" ? { timer: { action: "set", timeout_ms: 0 } } : {}),
        }
      : rest(request);
}

test("a processor answering garbage fails the machine with a readable reason", async () => {
  const { engine } = startEngine(
    withInit((request) => (request.kind === "call" ? { events: "lots" } : [200, "<html>oops</html>"])),
  );
  await engine.start(NS, "called", encode(null));
  await assert.rejects(engine.call(NS, "called", encode("pay")), MachineFailedError);
  const called = await engine.get(NS, "called");
  assert.equal(called.status, "failed");
  assert.equal(
    called.record.failure?.reason,
    `processor ${server.url}: the result does not validate: events: Invalid input: expected array, received string`,
  );
  assert.equal(called.history.length, 1, "nothing of the garbage was applied");
  await engine.start(NS, "timed", encode("timer"));
  const timed = await waitFor("the timer step to fail the machine", async () => {
    const machine = await engine.get(NS, "timed");
    return machine.status === "failed" ? machine : undefined;
  });
  assert.match(
    timed.record.failure?.reason ?? "",
    /^processor http:\S+ answered 200 with a body that is not JSON \(.+\): <html>oops<\/html>$/,
  );
  assert.equal(stepsOf("timer").length, 1, "a fatal answer is not retried");
});

test("a 503 does not fail the machine: a call is not processed, a timer step is retried as the same step", async () => {
  const { engine } = startEngine(
    withInit((request) => {
      if (request.kind === "call") return [503, { detail: "bank link down" }, { "retry-after": "1" }];
      return stepsOf("timer").length < 3 ? [503, ""] : { events: [{ data: "fired" }] };
    }),
  );
  await engine.start(NS, "called", encode(null));
  const refused = await engine.call(NS, "called", encode("pay")).then(
    () => assert.fail("the call should be refused"),
    (error: unknown) => error,
  );
  assert.ok(refused instanceof ProcessorUnavailableError, String(refused));
  assert.equal(refused.retryAfterMs, 1000, "Retry-After reaches the caller's error");
  assert.match(refused.message, /answered HTTP 503: bank link down/);
  const called = await engine.get(NS, "called");
  assert.deepEqual([called.status, called.history.length], ["idle", 1]);

  await engine.start(NS, "timed", encode("timer"));
  const timed = await waitFor("the third attempt to fire", async () => {
    const machine = await engine.get(NS, "timed");
    return machine.history.length === 2 ? machine : undefined;
  });
  assert.equal(timed.status, "idle");
  assert.equal(decode(timed.history[1]?.data as Uint8Array), "fired");
  const timers = stepsOf("timer");
  assert.deepEqual(
    timers.map((request) => request.attempt),
    [1, 2, 3],
  );
  const [firstKey] = timers.map((request) => request.step_key);
  assert.match(firstKey ?? "", /^payments\/timed\/timer\/1\/\d+$/);
  assert.ok(
    timers.every((request) => request.step_key === firstKey),
    "one step key for every attempt",
  );
});

test("a processor slower than the deadline is transient: the timer step is retried, the machine not failed", async () => {
  const { engine } = startEngine(
    withInit(() => (stepsOf("timer").length === 1 ? "hang" : { events: [{ data: "in time" }] })),
    { timerProcessingTimeoutMs: 300 },
  );
  await engine.start(NS, "slow", encode("timer"));
  const machine = await waitFor("the retried timer step", async () => {
    const read = await engine.get(NS, "slow");
    return read.history.length === 2 ? read : undefined;
  });
  assert.equal(machine.status, "idle");
  const [slow, retried] = stepsOf("timer");
  assert.ok(slow !== undefined && retried !== undefined);
  assert.deepEqual([slow.attempt, retried.attempt], [1, 2]);
  const givenMs = Date.parse(slow.deadline) - (arrivedAtMs[received.indexOf(slow)] as number);
  assert.ok(
    givenMs > 0 && givenMs <= 300,
    `the deadline sent is timer_processing_timeout ahead: ${givenMs} ms`,
  );
  assert.equal(slow.step_key, retried.step_key);
});

test("a notification step carries its id, its attempt and its step key, and is retried after a 503", async () => {
  const { engine } = startEngine(
    withInit(() => (stepsOf("notification").length === 1 ? [503, ""] : { events: [{ data: "told" }] })),
  );
  await engine.start(NS, "told", encode(null));
  const id = await engine.notify(NS, "told", encode({ verdict: "approved" }));
  await waitFor(
    "the notification's delivery",
    async () => (await engine.get(NS, "told")).history.length === 2,
  );
  const deliveries = stepsOf("notification");
  assert.deepEqual(
    deliveries.map((request) => [request.attempt, request.notification_id, request.args]),
    [
      [1, id, { verdict: "approved" }],
      [2, id, { verdict: "approved" }],
    ],
  );
  assert.ok(deliveries.every((request) => request.step_key === `payments/told/notification/${id}`));
});

test("a repair refused with repair_failed leaves the machine failed and gives the caller the reason", async () => {
  const { engine } = startEngine(
    withInit((request) =>
      request.kind === "call"
        ? [500, { detail: "bug" }]
        : { repair_failed: { reason: { why: "card expired" } } },
    ),
  );
  await engine.start(NS, "broken", encode(null));
  await assert.rejects(engine.call(NS, "broken", encode("pay")), MachineFailedError);
  const refusal = await engine.repair(NS, "broken", encode("fix")).then(
    () => assert.fail("the repair should be refused"),
    (error: unknown) => error,
  );
  assert.ok(refusal instanceof RepairFailedError);
  assert.deepEqual(decode(refusal.reason), { why: "card expired" });
  const machine = await engine.get(NS, "broken");
  assert.equal(machine.status, "failed");
  assert.equal(machine.record.failure?.reason, `processor ${server.url} answered HTTP 500: bug`);
});
