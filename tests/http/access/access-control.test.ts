/**
 * Access control over real HTTP (a node on 127.0.0.1, real fetch): each role allowed what the rule table gives
 * it and refused the rest; a missing, malformed, unknown or expired token refused with 401 and nothing changed;
 * per-namespace tokens; masked payloads; the rate limit; who-am-I and the paths that need no token; the closed
 * node of `ratchet serve` beyond loopback without tokens.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { pack } from "../../../src/processors/payload.js";
import { RatchetClient } from "../../../src/sdk/client.js";
import { RatchetApiError } from "../../../src/sdk/client-errors.js";
import { type AccessNode, type Answer, startAccessNode, testToken } from "../../support/access-node.js";

const NOW = Date.now();
const TOKENS = [
  testToken("reader", "reader-secret-1", { "*": "read" }),
  testToken("operator", "operator-secret-1", { "*": "operate" }),
  testToken("admin", "admin-secret-1", { "*": "admin" }),
  testToken("payments-operator", "payments-secret-1", { payments: "operate" }),
  testToken("mixed", "mixed-secret-1", { payments: "admin", orders: "read" }),
  testToken("masked", "masked-secret-1", { "*": "read" }, { maskPayloads: true }),
  testToken("expired", "expired-secret-1", { "*": "admin" }, { expiresAtMs: NOW - 1000 }),
  testToken("later", "later-secret-1", { "*": "read" }, { expiresAtMs: NOW + 3_600_000 }),
];
const MACHINE = "/v1/namespaces/payments/machines";

function assertProblem(answer: Answer, status: number, code: string): void {
  assert.equal(answer.status, status, answer.text);
  assert.equal(answer.contentType, "application/problem+json");
  assert.equal(answer.json.type, `urn:ratchet:problem:${code}`);
  assert.equal(answer.json.status, status);
  assert.equal(typeof answer.json.title, "string");
  assert.equal(typeof answer.json.detail, "string");
}

async function exists(node: AccessNode, namespace: string, id: string): Promise<boolean> {
  return node.node.engine.get(namespace, id, { limit: 0, direction: "forward" }).then(
    () => true,
    (error: { code?: string }) => {
      assert.equal(error.code, "machine_not_found");
      return false;
    },
  );
}

describe("with tokens", () => {
  let node: AccessNode;
  before(async () => {
    node = await startAccessNode({ mode: "tokens", tokens: TOKENS });
    await node.node.engine.start("payments", "pay-1", pack({ amount: 5 }));
    await node.node.engine.start("orders", "order-1", pack({ amount: 7 }));
  });
  after(() => node?.close());

  test("a read token reads every GET and is refused every change with 403 forbidden", async () => {
    const token = "reader-secret-1";
    assert.equal((await node.send("GET", `${MACHINE}/pay-1`, { token })).status, 200);
    assert.equal((await node.send("GET", MACHINE, { token })).status, 200);
    assert.equal((await node.send("GET", `${MACHINE}/pay-1/steps`, { token })).status, 200);
    assert.equal((await node.send("GET", "/v1/namespaces/orders/flow", { token })).status, 200);
    const start = await node.send("POST", MACHINE, { token, body: { id: "read-new", args: { amount: 1 } } });
    assertProblem(start, 403, "forbidden");
    assert.equal(start.json.required_role, "operate");
    assert.equal(start.json.actor, "reader");
    assertProblem(
      await node.send("POST", `${MACHINE}/pay-1/call`, { token, body: { args: { op: "get" } } }),
      403,
      "forbidden",
    );
    assertProblem(
      await node.send("POST", `${MACHINE}/pay-1/pause`, { token, body: { reason: "no" } }),
      403,
      "forbidden",
    );
    assertProblem(await node.send("DELETE", `${MACHINE}/pay-1`, { token }), 403, "forbidden");
    assert.equal(await exists(node, "payments", "read-new"), false);
    assert.equal((await node.node.engine.get("payments", "pay-1")).status, "idle");
  });

  test("a bulk run is read and cancelled only with a role in its own namespace", async () => {
    const started = await node.send("POST", "/v1/namespaces/orders/bulk", {
      token: "operator-secret-1",
      body: { action: "resume", filter: { status: "paused" }, rate_per_second: 1 },
    });
    assert.equal(started.status, 202, started.text);
    const run = `/v1/bulk/${String(started.json.id)}`;
    const outsider = "payments-secret-1";
    assertProblem(await node.send("GET", run, { token: outsider }), 403, "forbidden");
    assertProblem(await node.send("GET", `${run}/outcomes`, { token: outsider }), 403, "forbidden");
    const cancel = await node.send("POST", `${run}/cancel`, { token: outsider });
    assertProblem(cancel, 403, "forbidden");
    assert.equal(cancel.json.namespace, "orders");
    assert.equal((await node.send("GET", run, { token: "mixed-secret-1" })).status, 200);
    assertProblem(await node.send("POST", `${run}/cancel`, { token: "mixed-secret-1" }), 403, "forbidden");
    assert.equal((await node.send("POST", `${run}/cancel`, { token: "operator-secret-1" })).status, 200);
  });

  test("an operate token starts, calls, notifies, repairs, pauses and resumes, and is refused remove", async () => {
    const token = "operator-secret-1";
    assert.equal(
      (await node.send("POST", MACHINE, { token, body: { id: "op-1", args: { amount: 1 } } })).status,
      201,
    );
    const call = await node.send("POST", `${MACHINE}/op-1/call`, { token, body: { args: { op: "get" } } });
    assert.equal(call.status, 200);
    assert.deepEqual(call.json.response, { amount: 1 });
    assert.equal(
      (await node.send("POST", `${MACHINE}/op-1/notify`, { token, body: { args: "hello" } })).status,
      202,
    );
    assert.equal(
      (await node.send("POST", `${MACHINE}/op-1/pause`, { token, body: { reason: "check" } })).status,
      204,
    );
    assert.equal((await node.send("POST", `${MACHINE}/op-1/resume`, { token })).status, 204);
    // Allowed, and refused by the machine's state rather than by access control.
    assertProblem(await node.send("POST", `${MACHINE}/op-1/retry-now`, { token }), 409, "machine-not-paused");
    await node.node.engine.call("payments", "op-1", pack({ op: "fail" })).catch(() => undefined);
    assert.equal((await node.send("POST", `${MACHINE}/op-1/simple-repair`, { token })).status, 204);
    await node.node.engine.call("payments", "op-1", pack({ op: "fail" })).catch(() => undefined);
    assert.equal(
      (await node.send("POST", `${MACHINE}/op-1/repair`, { token, body: { args: { op: "ok" } } })).status,
      200,
    );
    const remove = await node.send("DELETE", `${MACHINE}/op-1`, { token });
    assertProblem(remove, 403, "forbidden");
    assert.equal(remove.json.required_role, "admin");
    assert.equal(await exists(node, "payments", "op-1"), true);
  });

  test("an admin token removes a machine", async () => {
    await node.node.engine.start("payments", "admin-1", pack({ amount: 1 }));
    assert.equal((await node.send("DELETE", `${MACHINE}/admin-1`, { token: "admin-secret-1" })).status, 204);
    assert.equal(await exists(node, "payments", "admin-1"), false);
  });

  test("a missing, malformed, unknown or expired token is 401 unauthenticated and changes nothing", async () => {
    const attempts: { label: string; authorization?: string }[] = [
      { label: "no header" },
      { label: "basic", authorization: "Basic cmVhZGVyOnNlY3JldA==" },
      { label: "empty bearer", authorization: "Bearer " },
      { label: "unknown", authorization: "Bearer not-a-token-of-this-node" },
      { label: "expired", authorization: "Bearer expired-secret-1" },
      { label: "two words", authorization: "Bearer admin-secret-1 extra" },
    ];
    for (const [index, attempt] of attempts.entries()) {
      const options = attempt.authorization === undefined ? {} : { authorization: attempt.authorization };
      const start = await node.send("POST", MACHINE, {
        ...options,
        body: { id: `never-${index}`, args: {} },
      });
      assertProblem(start, 401, "unauthenticated");
      assert.equal(start.headers.get("www-authenticate"), 'Bearer realm="ratchet"', attempt.label);
      assert.ok(!start.text.includes("secret"), `${attempt.label}: ${start.text}`);
      assertProblem(await node.send("DELETE", `${MACHINE}/pay-1`, options), 401, "unauthenticated");
      assertProblem(await node.send("GET", `${MACHINE}/pay-1`, options), 401, "unauthenticated");
      assert.equal(await exists(node, "payments", `never-${index}`), false, attempt.label);
    }
    assert.match(
      (await node.send("GET", MACHINE, { token: "expired-secret-1" })).json.detail as string,
      /expired/,
    );
    assert.equal(await exists(node, "payments", "pay-1"), true);
    // A token whose expiry is still ahead works.
    assert.equal((await node.send("GET", `${MACHINE}/pay-1`, { token: "later-secret-1" })).status, 200);
  });

  test("a token limited to namespaces is refused with 403 outside them and lists only its own", async () => {
    const token = "payments-secret-1";
    const outside = await node.send("POST", "/v1/namespaces/orders/machines", {
      token,
      body: { id: "o-2", args: {} },
    });
    assertProblem(outside, 403, "forbidden");
    assert.equal(outside.json.namespace, "orders");
    assertProblem(
      await node.send("GET", "/v1/namespaces/orders/machines/order-1", { token }),
      403,
      "forbidden",
    );
    assert.equal(await exists(node, "orders", "o-2"), false);
    assert.equal((await node.send("POST", MACHINE, { token, body: { id: "p-2", args: {} } })).status, 201);
    const list = await node.send("GET", "/v1/namespaces", { token });
    assert.deepEqual(
      (list.json.namespaces as { name: string }[]).map((entry) => entry.name),
      ["payments"],
    );
    // A path under no namespace needs the role on every namespace (*).
    assertProblem(await node.send("GET", "/v1/test/actor", { token }), 403, "forbidden");
    const mixed = "mixed-secret-1";
    assert.equal((await node.send("DELETE", `${MACHINE}/p-2`, { token: mixed })).status, 204);
    assert.equal(
      (await node.send("GET", "/v1/namespaces/orders/machines/order-1", { token: mixed })).status,
      200,
    );
    assertProblem(
      await node.send("DELETE", "/v1/namespaces/orders/machines/order-1", { token: mixed }),
      403,
      "forbidden",
    );
    const both = await node.send("GET", "/v1/namespaces", { token: mixed });
    assert.deepEqual((both.json.namespaces as { name: string }[]).map((entry) => entry.name).sort(), [
      "orders",
      "payments",
    ]);
  });

  test("a token with mask_payloads sees event bodies and aux state as a marker with their length, never the bytes", async () => {
    await node.node.engine.start("payments", "card-1", pack({ amount: 4242 }));
    await node.node.engine.call("payments", "card-1", pack({ op: "emit", n: 2 }));
    const stored = await node.node.engine.get("payments", "card-1");
    const masked = await node.send("GET", `${MACHINE}/card-1`, { token: "masked-secret-1" });
    assert.equal(masked.status, 200);
    const view = masked.json as { aux_state: { data: unknown }; events: { id: number; data: unknown }[] };
    assert.deepEqual(view.aux_state.data, { $masked: true, bytes: stored.record.auxState.data.byteLength });
    assert.equal(view.events.length, 3);
    for (const [index, event] of view.events.entries())
      assert.deepEqual(event.data, { $masked: true, bytes: stored.history[index]?.data.byteLength });
    assert.ok(!masked.text.includes("4242") && !masked.text.includes('"created"'), masked.text);
    const plain = await node.send("GET", `${MACHINE}/card-1`, { token: "reader-secret-1" });
    assert.deepEqual((plain.json as { aux_state: { data: unknown } }).aux_state.data, { amount: 4242 });
  });

  test("a path written otherwise (doubled or trailing slash, escaped slash) gets the stricter rule or no route, never a weaker one", async () => {
    const token = "reader-secret-1";
    for (const path of [
      `${MACHINE}/pay-1/`,
      "/v1/namespaces/payments//machines/pay-1",
      `${MACHINE}/pay-1%2F`,
    ]) {
      const remove = await node.send("DELETE", path, { token });
      assert.equal(remove.status, 403, `${path}: ${remove.text}`);
    }
    for (const path of ["/v1//namespaces", "/v1/test//actor", "/v1/test/actor/"])
      assertProblem(await node.send("GET", path, { token: "payments-secret-1" }), 403, "forbidden");
    assert.equal((await node.send("GET", "/v1//namespaces", { token })).status, 404);
    assert.equal(
      (await node.send("DELETE", "//v1/namespaces/payments/machines/pay-1", { token })).status,
      404,
    );
    assert.equal(await exists(node, "payments", "pay-1"), true);
  });

  test("the SDK's client sends its token in its headers; a refusal is a typed error with the problem's type and status", async () => {
    const client = (secret: string) =>
      new RatchetClient({ baseUrl: node.baseUrl, headers: { authorization: `Bearer ${secret}` } });
    const machine = await client("reader-secret-1").get("payments", "pay-1");
    assert.equal(machine.id, "pay-1");
    const refused = await client("reader-secret-1")
      .remove("payments", "pay-1")
      .then(
        () => assert.fail("removed"),
        (error: unknown) => error,
      );
    assert.ok(refused instanceof RatchetApiError);
    assert.equal(refused.status, 403);
    assert.equal(refused.type, "urn:ratchet:problem:forbidden");
    assert.equal(refused.code, "forbidden");
    const unknown = await client("nobody")
      .namespaces()
      .then(
        () => assert.fail("listed"),
        (error: unknown) => error,
      );
    assert.ok(unknown instanceof RatchetApiError);
    assert.equal(unknown.status, 401);
    assert.equal(await exists(node, "payments", "pay-1"), true);
  });

  test("who-am-I names the token and its roles; the actor reaches the routes; the console, /health and /openapi.json need no token", async () => {
    const whoami = await node.send("GET", "/v1/whoami", { token: "mixed-secret-1" });
    assert.deepEqual(whoami.json, {
      actor: "mixed",
      roles: { payments: "admin", orders: "read" },
      auth: "tokens",
    });
    assertProblem(await node.send("GET", "/v1/whoami"), 401, "unauthenticated");
    assert.deepEqual((await node.send("GET", "/v1/test/actor", { token: "operator-secret-1" })).json, {
      actor: "operator",
    });
    assert.equal((await node.send("GET", "/console")).status, 200);
    assert.equal((await node.send("GET", "/health")).status, 200);
    assert.equal((await node.send("GET", "/openapi.json")).status, 200);
  });
});

describe("rate limit", () => {
  test("requests beyond the rate get 429 problem+json with Retry-After, counted per token and per address without one", async () => {
    const node = await startAccessNode({
      mode: "tokens",
      tokens: TOKENS,
      rateLimit: { requestsPerSecond: 0.01, burst: 2 },
    });
    try {
      const token = "reader-secret-1";
      for (let index = 0; index < 2; index += 1)
        assert.equal((await node.send("GET", "/v1/namespaces", { token })).status, 200);
      const limited = await node.send("GET", "/v1/namespaces", { token });
      assertProblem(limited, 429, "rate-limited");
      const retryAfter = Number(limited.headers.get("retry-after"));
      assert.ok(
        Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 100,
        `retry-after ${retryAfter}`,
      );
      // Another token has its own bucket; requests without a token share their address's.
      assert.equal((await node.send("GET", "/v1/namespaces", { token: "operator-secret-1" })).status, 200);
      assertProblem(await node.send("GET", "/v1/namespaces"), 401, "unauthenticated");
      assertProblem(await node.send("GET", "/v1/namespaces", { token: "wrong" }), 401, "unauthenticated");
      assertProblem(
        await node.send("POST", MACHINE, { token: "wrong", body: { id: "x", args: {} } }),
        429,
        "rate-limited",
      );
      assert.equal(await exists(node, "payments", "x"), false);
    } finally {
      await node.close();
    }
  });

  test("with auth none, the rate limit counts per client address", async () => {
    const node = await startAccessNode({ mode: "none", rateLimit: { requestsPerSecond: 0.01, burst: 1 } });
    try {
      assert.equal((await node.send("GET", "/v1/namespaces")).status, 200);
      assertProblem(await node.send("GET", "/v1/namespaces"), 429, "rate-limited");
    } finally {
      await node.close();
    }
  });
});

describe("without tokens", () => {
  test("auth none: every request is anonymous with every role", async () => {
    const node = await startAccessNode({ mode: "none" });
    try {
      assert.deepEqual((await node.send("GET", "/v1/whoami")).json, {
        actor: "anonymous",
        roles: { "*": "admin" },
        auth: "none",
      });
      assert.equal((await node.send("POST", MACHINE, { body: { id: "anon-1", args: {} } })).status, 201);
      assert.equal((await node.send("DELETE", `${MACHINE}/anon-1`)).status, 204);
      assert.deepEqual((await node.send("GET", "/v1/test/actor")).json, { actor: "anonymous" });
    } finally {
      await node.close();
    }
  });

  test("closed: the JSON API and the console answer 403 access-not-configured saying what to configure; /health stays open", async () => {
    const node = await startAccessNode({ mode: "closed", address: "0.0.0.0" });
    try {
      const list = await node.send("GET", "/v1/namespaces");
      assertProblem(list, 403, "access-not-configured");
      assert.match(list.json.detail as string, /0\.0\.0\.0.*auth\.tokens.*RATCHET_TOKENS.*auth: none/);
      assertProblem(
        await node.send("POST", MACHINE, { body: { id: "closed-1", args: {} } }),
        403,
        "access-not-configured",
      );
      assert.equal(await exists(node, "payments", "closed-1"), false);
      assertProblem(await node.send("GET", "/console"), 403, "access-not-configured");
      assertProblem(await node.send("GET", "/console/console.js"), 403, "access-not-configured");
      assert.equal((await node.send("GET", "/health")).status, 200);
    } finally {
      await node.close();
    }
  });
});
