/**
 * `GET /v1/audit` in-process over a real engine on SQLite: the JSON API's operator routes act under the request's
 * actor (`anonymous` when no access control named one), a program's call is not audited, entries page newest
 * first by cursor and filter by namespace and machine, bad cursors and limits are 400 problems, and the OpenAPI
 * document lists the route.
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { Hono } from "hono";
import { setActor } from "../../src/http/actor.js";
import { createJsonApi } from "../../src/http/api/json-api.js";
import { localProcessor } from "../../src/processors/local-processor.js";
import { createTestEngine, type EngineFixture } from "../support/engine-fixture.js";
import { json } from "../support/json-payload.js";

let fixture: EngineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

interface Answer {
  readonly status: number;
  readonly type: string;
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field.
  readonly json: any;
}

/** The API with an access middleware stand-in that names the actor from a test header. */
function setup() {
  const processor = localProcessor({ init: () => ({}), call: () => ({ response: json("ok") }) });
  fixture = createTestEngine({
    namespaces: [{ name: "pay" }, { name: "ship" }].map((ns) => ({ ...ns, processor })),
  });
  const api = createJsonApi({
    engine: fixture.engine,
    queries: fixture.storage,
    nowUs: () => Date.now() * 1000,
    bodyBytesMax: 64 * 1024,
  });
  const app = new Hono();
  app.use("*", async (context, next) => {
    const actor = context.req.header("x-test-actor");
    if (actor !== undefined) setActor(context, actor);
    await next();
  });
  app.route("/", api);
  return async (method: string, path: string, options: { body?: unknown; actor?: string } = {}) => {
    const headers: Record<string, string> =
      options.actor === undefined ? {} : { "x-test-actor": options.actor };
    const init: RequestInit = { method, headers };
    if (options.body !== undefined) {
      init.body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const response = await app.request(path, init);
    const text = await response.text();
    const type = response.headers.get("content-type") ?? "";
    return { status: response.status, type, json: text === "" ? null : JSON.parse(text) } as Answer;
  };
}

test("operator routes are audited under the request's actor; the log pages newest first", async () => {
  const request = setup();
  const machine = (ns: string, id: string) => `/v1/namespaces/${ns}/machines/${id}`;
  for (const [ns, id] of [
    ["pay", "a"],
    ["pay", "b"],
    ["ship", "a"],
  ] as const) {
    assert.equal(
      (await request("POST", `/v1/namespaces/${ns}/machines`, { body: { id, args: {} } })).status,
      201,
    );
  }
  assert.equal((await request("POST", `${machine("pay", "a")}/call`, { body: { args: {} } })).status, 200);
  const pause = { body: { reason: "audit test" }, actor: "alice" };
  assert.equal((await request("POST", `${machine("pay", "a")}/pause`, pause)).status, 204);
  assert.equal((await request("POST", `${machine("pay", "a")}/resume`, { actor: "alice" })).status, 204);
  const refused = await request("POST", `${machine("pay", "b")}/simple-repair`, { actor: "bob" });
  assert.equal(refused.status, 409);
  assert.equal((await request("POST", `${machine("pay", "b")}/retry-now`)).status, 409);
  assert.equal((await request("DELETE", machine("ship", "a"), { actor: "carol" })).status, 204);

  const all = await request("GET", "/v1/audit");
  assert.equal(all.status, 200);
  assert.deepEqual(
    all.json.entries.map((entry: Answer["json"]) => [
      entry.actor,
      entry.action,
      entry.namespace,
      entry.machine_id,
    ]),
    [
      ["carol", "remove", "ship", "a"],
      ["anonymous", "retry_now", "pay", "b"],
      ["bob", "simple_repair", "pay", "b"],
      ["alice", "resume", "pay", "a"],
      ["alice", "pause", "pay", "a"],
    ],
    "newest first; the program's start and call are not audited",
  );
  const [removed, notRetrying, simple] = all.json.entries;
  assert.equal(all.json.next_cursor, null);
  assert.equal(typeof removed.id, "string");
  assert.match(removed.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.deepEqual([removed.outcome, removed.detail], ["ok", null]);
  assert.equal(simple.outcome, "refused");
  assert.match(simple.detail, /^MachineAlreadyWorkingError: /);
  assert.equal(notRetrying.outcome, "refused");

  const first = await request("GET", "/v1/audit?limit=2");
  assert.equal(first.json.entries.length, 2);
  assert.equal(typeof first.json.next_cursor, "string");
  const second = await request("GET", `/v1/audit?limit=2&cursor=${first.json.next_cursor}`);
  const third = await request("GET", `/v1/audit?limit=2&cursor=${second.json.next_cursor}`);
  assert.deepEqual(
    [...first.json.entries, ...second.json.entries, ...third.json.entries].map(
      (entry: Answer["json"]) => entry.id,
    ),
    all.json.entries.map((entry: Answer["json"]) => entry.id),
  );
  assert.equal(third.json.next_cursor, null);

  const ofPay = await request("GET", "/v1/audit?namespace=pay&machine_id=a");
  assert.deepEqual(
    ofPay.json.entries.map((entry: Answer["json"]) => entry.action),
    ["resume", "pause"],
  );
  const ofA = await request("GET", "/v1/audit?machine_id=a&namespace=");
  assert.deepEqual(
    ofA.json.entries.map((entry: Answer["json"]) => `${entry.namespace}/${entry.action}`),
    ["ship/remove", "pay/resume", "pay/pause"],
    "an empty filter is no filter",
  );
});

test("GET /v1/audit refuses bad cursors and limits with a 400 problem", async () => {
  const request = setup();
  const notAnId = Buffer.from("abc").toString("base64url");
  for (const query of [
    "cursor=%25%25",
    `cursor=${notAnId}`,
    "cursor=MA",
    "limit=0",
    "limit=1001",
    "limit=ten",
  ]) {
    const answer = await request("GET", `/v1/audit?${query}`);
    assert.equal(answer.status, 400, query);
    assert.match(answer.type, /application\/problem\+json/, query);
    assert.equal(answer.json.type, "urn:ratchet:problem:invalid-request", query);
  }
  assert.equal((await request("GET", "/v1/audit?limit=1000")).status, 200);
});

test("the OpenAPI document lists GET /v1/audit with its entry schema", async () => {
  const request = setup();
  const document = (await request("GET", "/openapi.json")).json;
  assert.ok(document.paths["/v1/audit"]?.get, "the route is documented");
  assert.ok(document.components.schemas.AuditEntry, "the entry schema is named");
});
