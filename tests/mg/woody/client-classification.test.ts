/**
 * Proves the woody client classifies every outcome as machinegun-protocol.md §3.7 says, and sends the headers of
 * §3.3/§3.4: each test points a real client at a real local HTTP server that answers one way (a woody service,
 * raw statuses with and without class headers, garbage, wrong seqid, silence past the deadline, a dropped
 * connection) or at a closed port, and checks the result, the error class and source, and what the server saw.
 */
import assert from "node:assert/strict";
import type http from "node:http";
import { after, test } from "node:test";
import { MG_SCHEMA, stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import { encodeReply } from "../../../src/mg/thrift/message.js";
import { createWoodyClient, type WoodyClient } from "../../../src/mg/woody/client.js";
import { WoodyBusinessError, type WoodyErrorClass, WoodySystemError } from "../../../src/mg/woody/errors.js";
import { createWoodyService } from "../../../src/mg/woody/service-router.js";
import { bytesOf } from "../thrift/hex.js";
import { closedPort, type LocalServer, listen, nowUs } from "./local-http.js";

type Automaton = stateProcessing.AutomatonMethods;
const automaton = MG_SCHEMA.services["state_processing.Automaton"]!;
const DESCRIPTOR = { ns: "ns", ref: { id: "id" }, range: {} };
const open: Array<{ close(): unknown }> = [];

after(async () => {
  for (const resource of open) await resource.close();
});

async function serve(
  handler: (request: http.IncomingMessage, response: http.ServerResponse) => void,
): Promise<LocalServer> {
  const server = await listen(handler);
  open.push(server);
  return server;
}

function clientOf(url: string, options: { poolSize?: number } = {}): WoodyClient<Automaton> {
  const client = createWoodyClient<Automaton>({
    schema: MG_SCHEMA,
    service: stateProcessing.SERVICE.Automaton,
    url,
    nowUs,
    ...options,
  });
  open.push(client);
  return client;
}

/** A server that drains the request and answers with this status, headers and body. */
function answering(
  status: number,
  headers: Record<string, string> = {},
  body: Uint8Array = new Uint8Array(),
) {
  return serve((request, response) => {
    request.resume();
    request.on("end", () => {
      response.writeHead(status, { ...headers, "content-length": body.byteLength });
      response.end(body);
    });
  });
}

async function assertSystemError(
  call: Promise<unknown>,
  expected: { errorClass: WoodyErrorClass; source: "internal" | "external"; details?: RegExp },
): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof WoodySystemError, String(error));
    assert.equal(error.errorClass, expected.errorClass, error.message);
    assert.equal(error.source, expected.source, error.message);
    if (expected.details !== undefined) assert.match(error.details, expected.details);
    return true;
  });
}

test("200 with field 0 is success; 200 with an exception field is that business error", async () => {
  const seen: string[] = [];
  const handle = createWoodyService<Automaton>({
    schema: MG_SCHEMA,
    service: stateProcessing.SERVICE.Automaton,
    nowUs,
    handlers: {
      Call: async ({ a }) => a,
      Start: async ({ id }) => {
        seen.push(id);
        if (id === "taken") throw new WoodyBusinessError("MachineAlreadyExists");
      },
      Repair: async () => ({ nl: {} }),
      SimpleRepair: async () => {},
      GetMachine: async () => ({ ns: "", id: "", history: [], history_range: {} }),
      Remove: async () => {},
      Modernize: async () => {},
      Notify: async () => ({ id: "" }),
    },
  });
  const server = await serve((request, response) => void handle(request, response));
  const client = clientOf(server.url);
  assert.deepEqual(await client.call("Call", { desc: DESCRIPTOR, a: { i: 2n ** 62n } }), { i: 2n ** 62n });
  assert.equal(await client.call("Start", { ns: "ns", id: "free", a: { nl: {} } }), undefined);
  await assert.rejects(client.call("Start", { ns: "ns", id: "taken", a: { nl: {} } }), (error: unknown) => {
    return error instanceof WoodyBusinessError && error.typeName === "MachineAlreadyExists";
  });
  assert.deepEqual(seen, ["free", "taken"]);
});

test("503 is resource unavailable and 504 result unknown, whatever the class header says", async () => {
  const unavailable = await answering(503, {
    "woody.error-class": "Result Unexpected",
    "woody.error-reason": "busy",
  });
  await assertSystemError(clientOf(unavailable.url).call("Call", { desc: DESCRIPTOR, a: { nl: {} } }), {
    errorClass: "resource unavailable",
    source: "external",
    details: /busy/,
  });
  const unknown = await answering(504, { "woody.error-class": "Resource Unavailable" });
  await assertSystemError(clientOf(unknown.url).call("Call", { desc: DESCRIPTOR, a: { nl: {} } }), {
    errorClass: "result unknown",
    source: "external",
    details: /does not speak woody/,
  });
});

test("502 takes its class from woody.error-class, case-insensitively; missing or unknown is unexpected", async () => {
  const cases: Array<[string | undefined, WoodyErrorClass]> = [
    ["Resource Unavailable", "resource unavailable"],
    ["result unknown", "result unknown"],
    ["RESULT UNEXPECTED", "result unexpected"],
    [undefined, "result unexpected"],
    ["Business Error", "result unexpected"],
  ];
  for (const [header, errorClass] of cases) {
    const server = await answering(502, header === undefined ? {} : { "woody.error-class": header });
    await assertSystemError(clientOf(server.url).call("Call", { desc: DESCRIPTOR, a: { nl: {} } }), {
      errorClass,
      source: "external",
    });
  }
});

test("500, 404 and other statuses are result unexpected", async () => {
  for (const status of [500, 404, 400, 405, 406, 415, 301]) {
    const server = await answering(status, { "woody.error-reason": "nope" });
    await assertSystemError(clientOf(server.url).call("Call", { desc: DESCRIPTOR, a: { nl: {} } }), {
      errorClass: "result unexpected",
      source: "external",
      details: new RegExp(`HTTP ${status}: nope`),
    });
  }
});

test("200 with garbage, another seqid, trailing bytes, an EXCEPTION or no field is result unexpected", async () => {
  const call = automaton.functions.Call!;
  const good = encodeReply(MG_SCHEMA, call, { kind: "success", value: { str: "ok" } }, { seqid: 0 });
  const bodies: Array<[string, Uint8Array, RegExp]> = [
    ["garbage", new TextEncoder().encode("<html>hello</html>"), /cannot be decoded/],
    [
      "seqid",
      encodeReply(MG_SCHEMA, call, { kind: "success", value: { str: "ok" } }, { seqid: 1 }),
      /seqid 1/,
    ],
    ["trailing", new Uint8Array([...good, 0]), /trailing/],
    ["exception", bytesOf("80 01 00 03 00 00 00 04 43 61 6c 6c 00 00 00 00 00"), /not REPLY/],
    [
      "no field",
      bytesOf("80 01 00 02 00 00 00 04 43 61 6c 6c 00 00 00 00 00"),
      /neither a result nor an exception/,
    ],
    ["empty", new Uint8Array(), /cannot be decoded/],
  ];
  for (const [name, body, details] of bodies) {
    const server = await answering(200, { "content-type": "application/x-thrift" }, body);
    await assertSystemError(clientOf(server.url).call("Call", { desc: DESCRIPTOR, a: { nl: {} } }), {
      errorClass: "result unexpected",
      source: "external",
      details,
    }).catch((error: unknown) => assert.fail(`${name}: ${String(error)}`));
  }
});

test("a connection refused on a closed port is resource unavailable (internal)", async () => {
  const port = await closedPort();
  await assertSystemError(
    clientOf(`http://127.0.0.1:${port}/v1/x`).call("Call", { desc: DESCRIPTOR, a: { nl: {} } }),
    {
      errorClass: "resource unavailable",
      source: "internal",
      details: /ECONNREFUSED/,
    },
  );
});

test("a DNS failure is resource unavailable (internal)", async () => {
  const client = clientOf("http://ratchet-test.invalid/v1/x");
  const call = client.call("Call", { desc: DESCRIPTOR, a: { nl: {} } }, { deadlineUs: nowUs() + 3_000_000 });
  await assertSystemError(call, { errorClass: "resource unavailable", source: "internal" });
});

test("waiting for a pooled connection past the deadline is resource unavailable (internal), and it is never sent", async () => {
  let requests = 0;
  const server = await serve(() => {
    requests += 1;
  });
  const client = clientOf(server.url, { poolSize: 1 });
  const holding = client.call("Call", { desc: DESCRIPTOR, a: { nl: {} } }, { deadlineUs: nowUs() + 600_000 });
  const queued = client.call("Call", { desc: DESCRIPTOR, a: { nl: {} } }, { deadlineUs: nowUs() + 200_000 });
  await assertSystemError(queued, {
    errorClass: "resource unavailable",
    source: "internal",
    details: /no connection/,
  });
  await assertSystemError(holding, { errorClass: "result unknown", source: "external" });
  // The pool is free again: the call given up while it waited must not go out now that it could.
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(requests, 1, "only the call that held the connection reached the server");
});

test("a server that never answers is result unknown (external) once the deadline passes, not later", async () => {
  const server = await serve(() => {});
  const startedAt = performance.now();
  const call = clientOf(server.url).call(
    "Call",
    { desc: DESCRIPTOR, a: { nl: {} } },
    { deadlineUs: nowUs() + 300_000 },
  );
  await assertSystemError(call, { errorClass: "result unknown", source: "external" });
  const elapsedMs = performance.now() - startedAt;
  assert.ok(elapsedMs >= 250 && elapsedMs < 1500, `took ${elapsedMs} ms`);
});

test("a deadline already passed is resource unavailable (internal) and nothing is sent", async () => {
  const server = await answering(200);
  const call = clientOf(server.url).call(
    "Call",
    { desc: DESCRIPTOR, a: { nl: {} } },
    { deadlineUs: nowUs() - 1000 },
  );
  await assertSystemError(call, {
    errorClass: "resource unavailable",
    source: "internal",
    details: /deadline/,
  });
  assert.equal(server.connections(), 0);
});

test("a connection dropped mid-response is result unknown (external)", async () => {
  const server = await serve((request, response) => {
    request.resume();
    response.writeHead(200, { "content-length": 100 });
    response.write("partial", () => response.destroy());
  });
  await assertSystemError(clientOf(server.url).call("Call", { desc: DESCRIPTOR, a: { nl: {} } }), {
    errorClass: "result unknown",
    source: "external",
  });
});

test("headers: exact content-type and accept, a child span of the caller, a 3-digit UTC deadline, meta", async () => {
  const received: http.IncomingHttpHeaders[] = [];
  const reply = encodeReply(
    MG_SCHEMA,
    automaton.functions.Call!,
    { kind: "success", value: { nl: {} } },
    { seqid: 0 },
  );
  const server = await serve((request, response) => {
    received.push(request.headers);
    request.resume();
    request.on("end", () => response.end(reply));
  });
  const client = clientOf(server.url);
  const caller = { traceId: "t-1", spanId: "s-caller", parentId: "p-0", meta: { "user-identity.id": "u-1" } };
  await client.call(
    "Call",
    { desc: DESCRIPTOR, a: { nl: {} } },
    { context: caller, deadlineUs: Date.UTC(2099, 0, 1) * 1000 },
  );
  await client.call("Call", { desc: DESCRIPTOR, a: { nl: {} } });
  const [child, root] = received;
  assert.equal(child?.["content-type"], "application/x-thrift");
  assert.equal(child?.accept, "application/x-thrift");
  assert.equal(child?.["woody.trace-id"], "t-1");
  assert.equal(child?.["woody.parent-id"], "s-caller");
  assert.match(String(child?.["woody.span-id"]), /^\d+$/);
  assert.notEqual(child?.["woody.span-id"], "s-caller");
  assert.equal(child?.["woody.deadline"], "2099-01-01T00:00:00.000Z");
  assert.equal(child?.["woody.meta.user-identity.id"], "u-1");
  assert.equal(root?.["woody.parent-id"], "undefined");
  assert.match(String(root?.["woody.trace-id"]), /^\d+$/);
  assert.equal(root?.["woody.deadline"], undefined);
  // Both calls went over one kept-alive connection.
  assert.equal(server.connections(), 1);
});

test("a pool of one connection serves concurrent calls one after another over that connection", async () => {
  const reply = encodeReply(
    MG_SCHEMA,
    automaton.functions.Call!,
    { kind: "success", value: { nl: {} } },
    { seqid: 0 },
  );
  const server = await serve((request, response) => {
    request.resume();
    request.on("end", () => setTimeout(() => response.end(reply), 20));
  });
  const client = clientOf(server.url, { poolSize: 1 });
  const calls = Array.from({ length: 5 }, () => client.call("Call", { desc: DESCRIPTOR, a: { nl: {} } }));
  assert.equal((await Promise.all(calls)).length, 5);
  assert.equal(server.connections(), 1);
});

test("a call given up while it waits for the pool's one connection leaves that connection open for the next call", async () => {
  const reply = encodeReply(
    MG_SCHEMA,
    automaton.functions.Call!,
    { kind: "success", value: { nl: {} } },
    { seqid: 0 },
  );
  let requests = 0;
  const server = await serve((request, response) => {
    requests += 1;
    request.resume();
    request.on("end", () => setTimeout(() => response.end(reply), 300));
  });
  const client = clientOf(server.url, { poolSize: 1 });
  const holding = client.call("Call", { desc: DESCRIPTOR, a: { nl: {} } });
  const queued = client.call("Call", { desc: DESCRIPTOR, a: { nl: {} } }, { deadlineUs: nowUs() + 100_000 });
  await assertSystemError(queued, { errorClass: "resource unavailable", source: "internal" });
  await holding;
  await client.call("Call", { desc: DESCRIPTOR, a: { nl: {} } });
  assert.equal(requests, 2, "the call given up was never sent");
  assert.equal(server.connections(), 1, "the next call went over the same connection");
});
