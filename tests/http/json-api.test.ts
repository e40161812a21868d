/**
 * The JSON API in-process (`app.request()`, no socket) over a real engine on SQLite: every endpoint's answer,
 * payloads in natural JSON both ways, history paging, search, and every refusal as application/problem+json with
 * its documented type and status, changing nothing.
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { createJsonApi } from "../../src/http/api/json-api.js";
import { PROBLEM_TYPES } from "../../src/http/api/problems.js";
import { createApiProcessor } from "../support/api-processor.js";
import { createTestEngine, type EngineFixture } from "../support/engine-fixture.js";

let fixture: EngineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

function setup(bodyBytesMax = 64 * 1024) {
  const { processor, invocations } = createApiProcessor();
  fixture = createTestEngine({
    namespaces: [
      { name: "payments", processor },
      { name: "slow", processor, defaultProcessingTimeoutMs: 100 },
    ],
  });
  const app = createJsonApi({
    engine: fixture.engine,
    queries: fixture.storage,
    nowUs: () => Date.now() * 1000,
    bodyBytesMax,
  });
  const request = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const response = await app.request(path, init);
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      json: text === "" ? null : JSON.parse(text),
    };
  };
  return { app, request, invocations, engine: fixture.engine };
}

const BASE = "/v1/namespaces/payments/machines";

/** A problem answer: its status, content type and a documented type. */
function assertProblem(
  answer: { status: number; headers: Headers; json: { type?: string } },
  status: number,
  type: string,
) {
  assert.equal(answer.status, status, JSON.stringify(answer.json));
  assert.equal(answer.headers.get("content-type"), "application/problem+json");
  assert.equal(answer.json.type, `urn:ratchet:problem:${type}`);
  assert.equal(
    PROBLEM_TYPES[answer.json.type],
    status,
    `${type} is in the documented set with status ${status}`,
  );
}

test("create, get, call, notify, notifications, repair, simple repair and delete answer as documented", async () => {
  const { request } = setup();
  const created = await request("POST", BASE, { id: "pay-1", args: { amount: 100 } });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get("location"), `${BASE}/pay-1`);
  assert.equal(created.json.status, "idle");
  assert.deepEqual(created.json.aux_state, { format_version: null, data: { amount: 100 } });
  assert.deepEqual(created.json.events[0].data, { event: "created" });
  assert.match(created.json.events[0].created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

  const called = await request("POST", `${BASE}/pay-1/call`, { args: { op: "add", n: 5 } });
  assert.deepEqual(called, { ...called, status: 200, json: { response: 105 } });
  const echoed = await request("POST", `${BASE}/pay-1/call`, {
    args: { big: { $int: "9007199254740993" }, b: { $bytes: "AAE=" } },
  });
  assert.deepEqual(echoed.json.response, { big: { $int: "9007199254740993" }, b: { $bytes: "AAE=" } });

  const timed = await request("POST", `${BASE}/pay-1/call`, { args: { op: "timer", ms: 60_000 } });
  assert.equal(timed.status, 200);
  const read = await request("GET", `${BASE}/pay-1`);
  assert.equal(read.json.status, "waiting");
  assert.match(read.json.timer.due_at, /Z$/);
  assert.equal(read.json.last_event_id, 2);

  const notified = await request("POST", `${BASE}/pay-1/notify`, { args: "hello" });
  assert.equal(notified.status, 202);
  assert.equal(typeof notified.json.notification_id, "string");
  const pending = await request("GET", `${BASE}/pay-1/notifications`);
  assert.equal(pending.status, 200);
  assert.ok(pending.json.notifications.length <= 1);

  const failed = await request("POST", `${BASE}/pay-1/call`, { args: { op: "fail" } });
  assertProblem(failed, 409, "machine-failed");
  assert.match(failed.json.reason, /failed on purpose/);
  const view = await request("GET", `${BASE}/pay-1`);
  assert.equal(view.json.status, "failed");
  assert.equal(view.json.failure.previous_status, "waiting");
  assertProblem(
    await request("POST", `${BASE}/pay-1/repair`, { args: { op: "refuse" } }),
    422,
    "repair-failed",
  );
  const repaired = await request("POST", `${BASE}/pay-1/repair`, { args: { op: "ok" } });
  assert.deepEqual(repaired.json, { response: "repaired" });
  await request("POST", `${BASE}/pay-1/call`, { args: { op: "fail" } });
  assert.equal((await request("POST", `${BASE}/pay-1/simple-repair`)).status, 204);
  assert.equal((await request("GET", `${BASE}/pay-1`)).json.status, "waiting");
  assertProblem(await request("POST", `${BASE}/pay-1/simple-repair`), 409, "machine-already-working");

  assert.equal((await request("DELETE", `${BASE}/pay-1`)).status, 204);
  assertProblem(await request("GET", `${BASE}/pay-1`), 404, "machine-not-found");
});

test("a machine's history pages forward and backward with after, limit and next_after", async () => {
  const { request } = setup();
  await request("POST", BASE, { id: "m", args: null });
  await request("POST", `${BASE}/m/call`, { args: { op: "emit", n: 9 } });
  const first = await request("GET", `${BASE}/m?limit=4`);
  assert.deepEqual(
    first.json.events.map((event: { id: number }) => event.id),
    [1, 2, 3, 4],
  );
  assert.equal(first.json.next_after, 4);
  const second = await request("GET", `${BASE}/m?limit=4&after=8`);
  assert.deepEqual(
    second.json.events.map((event: { id: number }) => event.id),
    [9, 10],
  );
  assert.equal(second.json.next_after, null);
  const backward = await request("GET", `${BASE}/m?limit=3&direction=backward`);
  assert.deepEqual(
    backward.json.events.map((event: { id: number }) => event.id),
    [10, 9, 8],
  );
  assertProblem(await request("GET", `${BASE}/m?limit=1001`), 422, "limit-exceeded");
  const over = await request("GET", `${BASE}/m?limit=5000`);
  assert.equal(over.json.limit, "events in one page");
  assertProblem(await request("GET", `${BASE}/m?limit=-1`), 400, "invalid-request");
  assertProblem(await request("GET", `${BASE}/m?direction=sideways`), 400, "invalid-request");
});

test("search by status and prefix pages with next_cursor; namespaces count machines by status", async () => {
  const { request } = setup();
  for (const id of ["a-1", "a-2", "a-3", "b-1"]) await request("POST", BASE, { id, args: null });
  await request("POST", `${BASE}/a-2/call`, { args: { op: "fail" } });
  const failed = await request("GET", `${BASE}?status=failed`);
  assert.deepEqual(
    failed.json.machines.map((machine: { id: string }) => machine.id),
    ["a-2"],
  );
  assert.match(failed.json.machines[0].failure_reason, /failed on purpose/);
  const working = await request("GET", `${BASE}?status=working&prefix=a-&limit=1`);
  assert.deepEqual(
    working.json.machines.map((machine: { id: string }) => machine.id),
    ["a-1"],
  );
  const next = await request(
    "GET",
    `${BASE}?status=working&prefix=a-&limit=1&cursor=${working.json.next_cursor}`,
  );
  assert.deepEqual(
    next.json.machines.map((machine: { id: string }) => machine.id),
    ["a-3"],
  );
  const all = await request("GET", BASE);
  assert.equal(all.json.machines.length, 4);
  assert.equal(all.json.next_cursor, null);
  assertProblem(await request("GET", `${BASE}?cursor=%21%21`), 400, "invalid-request");
  assertProblem(await request("GET", `${BASE}?status=asleep`), 400, "invalid-request");
  assertProblem(await request("GET", `${BASE}?updated_since=yesterday`), 400, "invalid-request");
  assertProblem(await request("GET", `${BASE}?limit=100000`), 422, "limit-exceeded");
  const namespaces = await request("GET", "/v1/namespaces");
  assert.deepEqual(
    namespaces.json.namespaces.map((namespace: { name: string }) => namespace.name),
    ["payments", "slow"],
  );
  assert.deepEqual(namespaces.json.namespaces[0].machine_counts, {
    idle: 3,
    waiting: 0,
    retrying: 0,
    paused: 0,
    failed: 1,
  });
});

test("bad input is a 4xx problem and changes nothing", async () => {
  const { request, invocations } = setup(4096);
  assertProblem(
    await request("POST", "/v1/namespaces/nowhere/machines", { id: "x", args: null }),
    404,
    "namespace-not-found",
  );
  assertProblem(await request("GET", "/v1/namespaces/nowhere/machines"), 404, "namespace-not-found");
  assertProblem(await request("POST", BASE, "{not json"), 400, "malformed-json");
  assertProblem(await request("POST", BASE, { id: 7, args: null }), 400, "invalid-request");
  assertProblem(await request("POST", BASE, { id: "x" }), 400, "invalid-request");
  assertProblem(await request("POST", BASE, { id: "x", args: { $what: 1 } }), 400, "invalid-request");
  assertProblem(await request("POST", BASE, { id: "x", args: null, extra: 1 }), 400, "invalid-request");
  assertProblem(
    await request("POST", BASE, { id: "x", args: null }, { "content-type": "text/plain" }),
    415,
    "unsupported-media-type",
  );
  const long = await request("POST", BASE, { id: "x".repeat(1025), args: null });
  assertProblem(long, 422, "limit-exceeded");
  assert.equal(long.json.limit, "machine id bytes");
  const big = await request("POST", BASE, { id: "x", args: "y".repeat(5000) });
  assertProblem(big, 413, "request-too-large");
  assert.equal(big.json.limit, "request body bytes");
  assertProblem(
    await request("POST", `${BASE}/x/call`, { args: null, range: { limit: -1 } }),
    400,
    "invalid-request",
  );
  assertProblem(await request("POST", `${BASE}/x/call`, { args: null }), 404, "machine-not-found");
  assertProblem(await request("GET", "/v1/nothing/here"), 404, "not-found");
  assertProblem(
    await request("POST", BASE, { id: "x", args: null }, { "idempotency-key": "" }),
    400,
    "invalid-request",
  );
  assert.deepEqual(invocations, [], "no step ran");
  assert.deepEqual((await request("GET", BASE)).json.machines, [], "no machine was created");
  await request("POST", BASE, { id: "x", args: null });
  assertProblem(await request("POST", BASE, { id: "x", args: null }), 409, "machine-already-exists");
});

test("the three failure classes: not processed is 503 with Retry-After, result unknown 504", async () => {
  const { request } = setup();
  await request("POST", BASE, { id: "m", args: null });
  const unavailable = await request("POST", `${BASE}/m/call`, { args: { op: "unavailable" } });
  assertProblem(unavailable, 503, "processor-unavailable");
  assert.equal(unavailable.headers.get("retry-after"), "1");
  assert.equal(unavailable.json.failure_class, "not_processed");
  assert.equal(
    (await request("GET", `${BASE}/m`)).json.status,
    "idle",
    "a transient failure does not fail the machine",
  );
});
