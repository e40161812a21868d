/**
 * RatchetClient's typed errors, each from a real answer of a node serving the JSON API on a real socket
 * (tests/support/api-node.ts): the class, the problem's type, status, title and detail, its code, failure class
 * and extensions, and every type in the API's documented set with that status. A request that gets no answer
 * (a refused connection, the client's timeout, the caller's abort) is NoAnswerError, classed by whether it could
 * have been sent. Machine failed, repair failed, already working, paused and not paused are in
 * tests/sdk/client.test.ts, beside the steps that cause them.
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { afterEach, test } from "node:test";
import { PROBLEM_TYPES } from "../../src/http/api/problems.js";
import { retryAfterMsOf } from "../../src/sdk/client-http.js";
import {
  IdempotencyKeyInFlightApiError,
  IdempotencyKeyReusedApiError,
  InvalidRequestApiError,
  LimitExceededApiError,
  MachineAlreadyExistsApiError,
  NamespaceNotFoundApiError,
  NoAnswerError,
  NotProcessedApiError,
  RatchetApiError,
  RatchetClient,
  ResultUnknownApiError,
} from "../../src/sdk/index.js";
import { type ApiNode, startApiNode } from "../support/api-node.js";
import { refusal } from "../support/refusal.js";
import { waitFor } from "../support/wait.js";

let api: ApiNode | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function setup() {
  api = await startApiNode();
  const node = api;
  const callsRun = () => node.invocations.filter((step) => step === "m:call").length;
  return { client: new RatchetClient({ baseUrl: node.baseUrl }), api: node, callsRun };
}

/** Its fields as one row: status, code, failure class, transient. */
const classOf = (error: RatchetApiError | NoAnswerError) =>
  error instanceof RatchetApiError
    ? [error.status, error.code, error.failureClass, error.transient]
    : [error.reason, error.failureClass, error.transient];

test("each refusal is its typed error with the problem's type, status, title, detail and extensions", async () => {
  const { client, api, callsRun } = await setup();
  await client.start("payments", "m", null);
  const namespace = await refusal(client.get("nowhere", "m"), NamespaceNotFoundApiError);
  assert.deepEqual(classOf(namespace), [404, "namespace_not_found", "processed", false]);
  assert.equal(namespace.namespace, "nowhere");
  const exists = await refusal(client.start("payments", "m", null), MachineAlreadyExistsApiError);
  assert.deepEqual(classOf(exists), [409, "machine_already_exists", "processed", false]);
  assert.deepEqual([exists.namespace, exists.machineId], ["payments", "m"]);

  await client.call("payments", "m", { op: "get" }, { idempotencyKey: "k-1" });
  const reused = await refusal(
    client.call("payments", "m", { op: "add" }, { idempotencyKey: "k-1" }),
    IdempotencyKeyReusedApiError,
  );
  assert.deepEqual(classOf(reused), [422, "idempotency_key_reused", "processed", false]);
  assert.equal(reused.idempotencyKey, "k-1");
  const callsBefore = callsRun();
  const first = client.call("payments", "m", { op: "sleep", ms: 300 }, { idempotencyKey: "k-2" });
  await waitFor("the first call to reach the processor", () => callsRun() === callsBefore + 1);
  const inFlight = await refusal(
    client.call("payments", "m", { op: "sleep", ms: 300 }, { idempotencyKey: "k-2" }),
    IdempotencyKeyInFlightApiError,
  );
  assert.deepEqual(classOf(inFlight), [409, "idempotency_key_in_flight", "not_processed", true]);
  assert.equal(await first, "slept");

  const unavailable = await refusal(
    client.call("payments", "m", { op: "unavailable" }),
    NotProcessedApiError,
  );
  assert.deepEqual(classOf(unavailable), [503, "processor_unavailable", "not_processed", true]);
  assert.equal(unavailable.retryAfterMs, 1000, "Retry-After: 1");
  await client.start("slow", "s", null);
  const unknown = await refusal(client.call("slow", "s", { op: "sleep", ms: 400 }), ResultUnknownApiError);
  // The request's deadline and the processor call's are the same instant: either may end it first.
  assert.deepEqual(classOf(unknown).slice(2), ["result_unknown", true]);
  assert.equal(unknown.status, 504);
  assert.ok(["deadline_exceeded", "processor_timeout"].includes(unknown.code), unknown.code);

  const limit = await refusal(client.get("payments", "m", { limit: 5000 }), LimitExceededApiError);
  assert.deepEqual(classOf(limit), [422, "limit_exceeded", "processed", false]);
  assert.deepEqual([limit.limit, limit.actual, limit.maximum], ["events in one page", 5000, 1000]);
  const invalid = await refusal(client.get("payments", "m", { limit: -1 }), InvalidRequestApiError);
  assert.deepEqual(classOf(invalid), [400, "invalid_request", "processed", false]);
  assert.equal(invalid.field, "query.limit");
  assert.deepEqual(
    invalid.errors.map((issue) => issue.field),
    ["query.limit"],
  );

  for (const error of [namespace, exists, reused, inFlight, unavailable, unknown, limit, invalid]) {
    assert.equal(PROBLEM_TYPES[error.type], error.status, `${error.type} is documented with ${error.status}`);
    assert.ok(error.title.length > 0 && error.detail.length > 0, error.type);
    assert.equal(error.message, `${error.status} ${error.title}: ${error.detail}`);
    assert.equal(error.problem.type, error.type);
  }
  const foreign = new RatchetClient({ baseUrl: `${api.baseUrl}/elsewhere` });
  const notRatchet = await refusal(foreign.namespaces(), RatchetApiError);
  assert.deepEqual(classOf(notRatchet), [404, "http_404", "processed", false]);
  assert.deepEqual([notRatchet.type, notRatchet.detail], ["about:blank", "not found"]);
});

test("a request without an answer is NoAnswerError: not processed if nothing was sent, else result unknown", async () => {
  const { client, callsRun } = await setup();
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const { port } = closed.address() as { port: number };
  await new Promise((resolve) => closed.close(resolve));
  const refused = await refusal(
    new RatchetClient({ baseUrl: `http://127.0.0.1:${port}` }).namespaces(),
    NoAnswerError,
  );
  assert.deepEqual(classOf(refused), ["connection_failed", "not_processed", true]);
  assert.match(refused.message, /ECONNREFUSED/);

  await client.start("payments", "m", { amount: 0 });
  const timedOut = await refusal(
    client.call("payments", "m", { op: "sleep", ms: 300 }, { timeoutMs: 50 }),
    NoAnswerError,
  );
  assert.deepEqual(classOf(timedOut), ["timeout", "result_unknown", true]);
  await waitFor("the step the client gave up on to commit", async () => {
    const machine = await client.get("payments", "m");
    return (machine.auxState as { amount: number }).amount === 1;
  });

  const callsBefore = callsRun();
  const early = await refusal(
    client.call("payments", "m", { op: "add" }, { signal: AbortSignal.abort() }),
    NoAnswerError,
  );
  assert.deepEqual(classOf(early), ["aborted", "not_processed", true]);
  assert.equal(callsRun(), callsBefore, "an abort before sending sends nothing");
  const controller = new AbortController();
  const late = client.call("payments", "m", { op: "sleep", ms: 300 }, { signal: controller.signal });
  await waitFor("the call to reach the processor", () => callsRun() === callsBefore + 1);
  controller.abort();
  assert.deepEqual(classOf(await refusal(late, NoAnswerError)), ["aborted", "result_unknown", true]);
});

test("Retry-After is read as whole seconds or an HTTP date", () => {
  assert.equal(retryAfterMsOf("3"), 3000);
  assert.equal(retryAfterMsOf(null), null);
  assert.equal(retryAfterMsOf("soon"), null);
  const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
  const waitMs = retryAfterMsOf(inTenSeconds) ?? -1;
  assert.ok(waitMs > 8000 && waitMs <= 10_000, String(waitMs));
  assert.equal(retryAfterMsOf("Thu, 01 Jan 1970 00:00:00 GMT"), 0, "a date passed waits not at all");
});
