/**
 * The node's log as `ratchet serve` writes it: pino JSON lines at `logging.level`, one line per step carrying the
 * namespace, machine id, kind of step, trace id and outcome, and nothing secret: a bearer token sent with the
 * requests and the bytes of their payloads never reach the log, even through a processor's error text.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  defineProcessor,
  processorUnavailable,
  type ServedProcessor,
  serveProcessor,
} from "../../src/sdk/index.js";
import { LogCapture, type ServedConfig, serveConfig } from "./support.js";

const BEARER_TOKEN = "tok-7f3a9c1e5b2d4f60a8c3e1b7d9f2a4c6";
const PAYLOAD_SECRET = "4111-1111-1111-1111";
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

const processor = defineProcessor({
  init: ({ result }) => result.append({ created: true }),
  call: ({ args, result }) => {
    const card = (args as { card?: string }).card ?? "";
    if ((args as { op?: string }).op === "busy") throw processorUnavailable(`card ${card} is busy`);
    if ((args as { op?: string }).op === "crash") throw new Error(`card ${card} was declined`);
    return result.respond("ok");
  },
});

let served: ServedProcessor;

before(async () => {
  served = await serveProcessor(processor, { port: 0, onError: () => {} });
});

after(async () => {
  await served.close();
});

function configYaml(level: string): string {
  return `logging: {level: ${level}}
namespaces:
  cards:
    processor: {url: '${served.url}', protocol: http-json}
`;
}

async function post(node: ServedConfig, path: string, body: unknown): Promise<Response> {
  return fetch(`${node.baseUrl}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${BEARER_TOKEN}`,
      "content-type": "application/json",
      traceparent: TRACEPARENT,
    },
    body: JSON.stringify(body),
  });
}

const MACHINES = "/v1/namespaces/cards/machines";

test("every step is one JSON line with its namespace, machine, kind, trace id and outcome; no secret is logged", async () => {
  const logs = new LogCapture();
  const node = await serveConfig(configYaml("debug"), { logs });
  try {
    assert.equal((await post(node, MACHINES, { id: "m1", args: { card: PAYLOAD_SECRET } })).status, 201);
    const call = (op: string) => post(node, `${MACHINES}/m1/call`, { args: { op, card: PAYLOAD_SECRET } });
    assert.equal((await call("ok")).status, 200);
    assert.equal((await call("busy")).status, 503);
    assert.equal((await call("crash")).status, 409);
  } finally {
    await node.close();
  }
  const steps = logs.lines().filter((line) => line.msg === "step");
  const summary = steps.map((line) => [line.level, line.kind, line.outcome, line.errorClass]);
  assert.deepEqual(summary, [
    ["debug", "init", "committed", null],
    ["debug", "call", "committed", null],
    ["warn", "call", "transient_error", "processor_unavailable"],
    ["error", "call", "fatal_error", "processor_failed"],
  ]);
  for (const line of steps) {
    assert.equal(line.namespace, "cards");
    assert.equal(line.machineId, "m1");
    assert.equal(line.traceId, TRACE_ID);
    assert.equal(line.processor, "default");
    assert.equal(line.service, "ratchet");
    assert.equal(typeof line.durationMs, "number");
  }
  assert.ok(!logs.text.includes(BEARER_TOKEN), "the bearer token is not logged");
  assert.ok(!logs.text.includes(PAYLOAD_SECRET), "payload bytes are not logged");
  assert.ok(!logs.text.includes(Buffer.from(PAYLOAD_SECRET).toString("base64")), "nor their base64");
});

test("logging.level warning logs the failed steps only", async () => {
  const logs = new LogCapture();
  const node = await serveConfig(configYaml("warning"), { logs });
  try {
    assert.equal((await post(node, MACHINES, { id: "m2", args: {} })).status, 201);
    assert.equal((await post(node, `${MACHINES}/m2/call`, { args: { op: "ok" } })).status, 200);
    assert.equal((await post(node, `${MACHINES}/m2/call`, { args: { op: "busy" } })).status, 503);
  } finally {
    await node.close();
  }
  const steps = logs.lines().filter((line) => line.msg === "step");
  assert.deepEqual(
    steps.map((line) => [line.level, line.outcome]),
    [["warn", "transient_error"]],
  );
});
