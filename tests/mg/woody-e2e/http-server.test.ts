/**
 * Proves the node's HTTP server routes and shuts down as promised, over real sockets: `/health` answers 200 JSON
 * with the namespaces, other paths 404, a wrong method 405; `max_concurrent_connections` drops connections above
 * it; and `close()` stops accepting, still answers a slow Automaton call in flight (and, on that busy connection, a
 * health request sent after close began, with 503 and `connection: close`), then resolves.
 */
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { after, before, test } from "node:test";
import { createHttpServer, type RatchetHttpServer } from "../../../src/http/http-server.js";
import { MG_SCHEMA, stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import { encodeCall } from "../../../src/mg/thrift/message.js";
import { serviceSchemaOf } from "../../../src/mg/thrift/schema.js";
import { waitFor } from "../../support/wait.js";
import { nowUs, rawRequest } from "../woody/local-http.js";
import { descriptor, type E2eNode, NS, startE2eNode } from "./harness.js";
import { bin, textOf } from "./mg-test-processor.js";

const SLEEP_MS = 500;
let e2e: E2eNode;
const servers: RatchetHttpServer[] = [];

before(async () => {
  e2e = await startE2eNode({ sleepMs: SLEEP_MS });
  await e2e.automaton.call("Start", { ns: NS, id: "slow", a: bin("start") });
});

after(async () => {
  for (const server of servers) await server.close({ timeoutMs: 1000 });
  await e2e.close();
});

async function serverOn(
  options: { connectionsMax?: number } = {},
): Promise<{ server: RatchetHttpServer; port: number }> {
  const server = createHttpServer({ engine: e2e.node.engine, nowUs, ...options });
  servers.push(server);
  const { port } = await server.listen(0, "127.0.0.1");
  return { server, port };
}

test("GET /health: 200 JSON with the namespaces; other paths 404; POST /health 405; GET /v1/automaton 405", async () => {
  const health = await rawRequest({ url: `${e2e.baseUrl}/health`, method: "GET" });
  assert.equal(health.status, 200);
  assert.equal(health.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(health.body.toString()), { status: "ok", namespaces: ["NS", "plain"] });
  const missing = await rawRequest({
    url: `${e2e.baseUrl}/v1/stateproc`,
    method: "POST",
    body: Buffer.from("x"),
  });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers["woody.error-class"], undefined, "a plain 404, no woody headers");
  assert.equal((await rawRequest({ url: `${e2e.baseUrl}/health`, method: "POST" })).status, 405);
  const wrongMethod = await rawRequest({ url: `${e2e.automatonUrl}`, method: "GET" });
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.allow, "POST");
});

test("the Automaton answers at its path, with or without a query; longer paths are a plain 404", async () => {
  const { port } = await serverOn();
  const wrongType = { "content-type": "text/plain" };
  for (const path of ["/v1/automaton", "/v1/automaton?trace=1"]) {
    const answer = await rawRequest({
      url: `http://127.0.0.1:${port}${path}`,
      headers: wrongType,
      body: bin1(),
    });
    assert.equal(answer.status, 415, path);
    assert.equal(answer.headers["woody.error-class"], "Result Unexpected", `${path}: woody answered`);
  }
  for (const path of ["/v1/automaton/", "/v1/automatonx", "/v1/automaton/x"]) {
    const answer = await rawRequest({
      url: `http://127.0.0.1:${port}${path}`,
      headers: wrongType,
      body: bin1(),
    });
    assert.equal(answer.status, 404, path);
    assert.equal(answer.headers["woody.error-class"], undefined, `${path}: a plain 404`);
  }
});

function bin1(): Uint8Array {
  return new Uint8Array([1]);
}

test("connections above max_concurrent_connections are dropped; the ones within are served", async () => {
  const { port } = await serverOn({ connectionsMax: 1 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await get(port, "/health", agent);
    assert.equal(first, 200);
    await assert.rejects(get(port, "/health", false), /socket hang up|ECONNRESET/);
    assert.equal(await get(port, "/health", agent), 200, "the kept connection still serves");
  } finally {
    agent.destroy();
  }
});

test("close(): stops accepting, answers the call in flight and a late health request with 503, then resolves", async () => {
  const { server, port } = await serverOn();
  const socket = net.connect(port, "127.0.0.1");
  const received: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => received.push(chunk));
  const ended = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  const sleepsBefore = e2e.processor.received.filter(
    (call) => textOf(call.arg ?? { nl: {} }) === "sleep",
  ).length;
  socket.write(automatonRequest(sleepCall()));
  await waitFor(
    "the slow call to reach the processor",
    () =>
      e2e.processor.received.filter((call) => textOf(call.arg ?? { nl: {} }) === "sleep").length >
      sleepsBefore,
  );
  const closed = server.close({ timeoutMs: 5000 });
  await assert.rejects(get(port, "/health", false), /ECONNREFUSED/, "no new connections");
  socket.write("GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
  await closed;
  await ended;
  const text = Buffer.concat(received).toString("latin1");
  const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => match[1]);
  assert.deepEqual(statuses, ["200", "503"], "the call in flight completed, then health said shutting down");
  assert.match(text, /"status":"shutting down"/);
  assert.match(text, /connection: close/i);
});

function sleepCall(): Uint8Array {
  const method = serviceSchemaOf(MG_SCHEMA, stateProcessing.SERVICE.Automaton).functions.Call;
  assert.ok(method !== undefined);
  return encodeCall(MG_SCHEMA, method, { desc: descriptor("slow"), a: bin("sleep") }, { seqid: 0 });
}

/** An HTTP/1.1 request for /v1/automaton written by hand, so two can share one connection. */
function automatonRequest(body: Uint8Array): Buffer {
  const head = [
    "POST /v1/automaton HTTP/1.1",
    "host: 127.0.0.1",
    "content-type: application/x-thrift",
    "accept: application/x-thrift",
    "woody.trace-id: trace",
    "woody.span-id: span",
    "woody.parent-id: undefined",
    `content-length: ${body.byteLength}`,
  ].join("\r\n");
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, "latin1"), body]);
}

function get(port: number, path: string, agent: http.Agent | false): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path, agent }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    request.on("error", reject);
  });
}
