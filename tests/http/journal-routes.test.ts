/**
 * The JSON API's journal and hold endpoints in-process (`app.request()`) over a real engine on SQLite: a
 * machine's steps page forward and backward; the namespace's flow as JSON and as Mermaid text; pause, resume and
 * retry-now answer 204, and each in the wrong status is a 409 problem that changes nothing; bad input is a 400.
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { ProcessorUnavailableError } from "../../src/core/errors.js";
import { createJsonApi } from "../../src/http/api/json-api.js";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import { createTestEngine, type EngineFixture } from "../support/engine-fixture.js";
import { json } from "../support/json-payload.js";
import { waitFor } from "../support/wait.js";

let fixture: EngineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const BASE = "/v1/namespaces/pay";

function setup(bank: { down: boolean }) {
  fixture = createTestEngine({
    namespaces: [
      {
        name: "pay",
        processor: localProcessor({
          init: () => ({ events: [{ data: json("created") }], timer: timer.now({ step: "risk_check" }) }),
          timer: (_input, { stepName }) => {
            if (stepName === "risk_check")
              return { events: [{ data: json("risk") }], timer: timer.now({ step: "capture" }) };
            if (bank.down) throw new ProcessorUnavailableError("the bank is down");
            return { events: [{ data: json("captured") }], timer: timer.unset() };
          },
          call: () => ({ response: json("ok") }),
        }),
        steps: {
          capture: {
            retryPolicy: {
              backoff: { kind: "linear", initialIntervalMs: 60_000, incrementMs: 0 },
              maxAttempts: 3,
            },
          },
        },
      },
    ],
  });
  const app = createJsonApi({
    engine: fixture.engine,
    queries: fixture.storage,
    nowUs: () => Date.now() * 1000,
    bodyBytesMax: 64 * 1024,
  });
  return async (method: string, path: string, body?: unknown) => {
    const init: RequestInit = { method, headers: {} };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    const response = await app.request(path, init);
    const text = await response.text();
    const type = response.headers.get("content-type") ?? "";
    return {
      status: response.status,
      type,
      text,
      json: type.includes("json") && text !== "" ? JSON.parse(text) : null,
    };
  };
}

test("steps page forward and backward; the flow answers as JSON and as Mermaid text", async () => {
  const request = setup({ down: false });
  assert.equal((await request("POST", `${BASE}/machines`, { id: "p1", args: {} })).status, 201);
  await waitFor(
    "the capture",
    async () => (await request("GET", `${BASE}/machines/p1`)).json.last_event_id === 3,
  );
  const page = await request("GET", `${BASE}/machines/p1/steps?limit=2`);
  assert.equal(page.status, 200);
  assert.deepEqual(
    page.json.steps.map((step: { name: string; outcome: string }) => `${step.name}:${step.outcome}`),
    ["init:committed", "risk_check:committed"],
  );
  assert.equal(page.json.next_after, 2);
  assert.match(page.json.steps[0].started_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  const rest = await request("GET", `${BASE}/machines/p1/steps?after=2`);
  assert.deepEqual(
    rest.json.steps.map((step: { step_number: number; name: string }) => [step.step_number, step.name]),
    [[3, "capture"]],
  );
  assert.equal(rest.json.next_after, null);
  const newest = await request("GET", `${BASE}/machines/p1/steps?direction=backward&limit=1`);
  assert.equal(newest.json.steps[0].step_number, 3);

  const flow = await request("GET", `${BASE}/flow`);
  assert.equal(flow.status, 200);
  assert.deepEqual(
    flow.json.edges.map((edge: { from: string; to: string; count: number }) => [
      edge.from,
      edge.to,
      edge.count,
    ]),
    [
      ["init", "risk_check", 1],
      ["risk_check", "capture", 1],
    ],
  );
  assert.equal(flow.json.nodes.find((node: { step: string }) => node.step === "capture").count, 1);
  const mermaid = await request("GET", `${BASE}/flow?format=mermaid`);
  assert.equal(mermaid.status, 200);
  assert.match(mermaid.type, /^text\/plain/);
  assert.match(mermaid.text, /^flowchart LR\n/);
  const before = await request("GET", `${BASE}/flow?until=2000-01-01T00:00:00Z&since=1999-01-01T00:00:00Z`);
  assert.deepEqual([before.json.nodes, before.json.edges], [[], []], "a window before the run is empty");
});

test("pause, resume and retry-now answer 204; in the wrong status each is a 409 that changes nothing", async () => {
  const bank = { down: true };
  const request = setup(bank);
  await request("POST", `${BASE}/machines`, { id: "p2", args: {} });
  await waitFor(
    "the retry series",
    async () => (await request("GET", `${BASE}/machines/p2`)).json.status === "retrying",
  );
  const notPaused = await request("POST", `${BASE}/machines/p2/resume`);
  assert.equal(notPaused.status, 409);
  assert.equal(notPaused.json.type, "urn:ratchet:problem:machine-not-paused");

  assert.equal(
    (await request("POST", `${BASE}/machines/p2/pause`, { reason: "bank maintenance" })).status,
    204,
  );
  const paused = await request("GET", `${BASE}/machines/p2`);
  assert.equal(paused.json.status, "paused");
  assert.deepEqual([paused.json.pause.by, paused.json.pause.reason], ["operator", "bank maintenance"]);
  assert.equal(paused.json.timer.step, "capture", "the pending step is kept with its name");
  const refused = await request("POST", `${BASE}/machines/p2/call`, { args: "x" });
  assert.equal(refused.status, 409);
  assert.equal(refused.json.type, "urn:ratchet:problem:machine-paused");
  const counts = await request("GET", "/v1/namespaces");
  assert.equal(counts.json.namespaces[0].machine_counts.paused, 1);
  const search = await request("GET", `${BASE}/machines?status=paused`);
  assert.deepEqual(
    search.json.machines.map((machine: { id: string }) => machine.id),
    ["p2"],
  );

  bank.down = false;
  assert.equal((await request("POST", `${BASE}/machines/p2/resume`)).status, 204);
  await waitFor(
    "the capture",
    async () => (await request("GET", `${BASE}/machines/p2`)).json.status === "idle",
  );
  const again = await request("POST", `${BASE}/machines/p2/retry-now`);
  assert.equal(again.status, 409, "an idle machine has no retry to run now");
  assert.equal((await request("GET", `${BASE}/machines/p2`)).json.last_event_id, 3);

  bank.down = true;
  await request("POST", `${BASE}/machines`, { id: "p3", args: {} });
  await waitFor(
    "the retry series",
    async () => (await request("GET", `${BASE}/machines/p3`)).json.status === "retrying",
  );
  bank.down = false;
  assert.equal((await request("POST", `${BASE}/machines/p3/retry-now`)).status, 204);
  await waitFor(
    "the capture without its 60 s wait",
    async () => (await request("GET", `${BASE}/machines/p3`)).json.status === "idle",
  );
});

test("bad input to the journal and hold endpoints is a 400 problem", async () => {
  const request = setup({ down: false });
  await request("POST", `${BASE}/machines`, { id: "p4", args: {} });
  for (const [method, path, body] of [
    ["GET", `${BASE}/machines/p4/steps?limit=0`],
    ["GET", `${BASE}/machines/p4/steps?limit=5000`],
    ["GET", `${BASE}/machines/p4/steps?after=-1`],
    ["GET", `${BASE}/machines/p4/steps?direction=sideways`],
    ["GET", `${BASE}/flow?since=yesterday`],
    ["GET", `${BASE}/flow?since=2030-01-01T00:00:00Z&until=2020-01-01T00:00:00Z`],
    ["GET", `${BASE}/flow?format=png`],
    ["POST", `${BASE}/machines/p4/pause`, {}],
    ["POST", `${BASE}/machines/p4/pause`, { reason: "" }],
  ] as const) {
    const answer = await request(method, path, body);
    assert.equal(answer.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${answer.text}`);
    assert.match(answer.type, /application\/problem\+json/);
  }
  assert.notEqual((await request("GET", `${BASE}/machines/p4`)).json.status, "paused");
  assert.equal((await request("GET", "/v1/namespaces/nope/flow")).status, 404);
});
