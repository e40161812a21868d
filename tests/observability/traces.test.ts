/**
 * Traces as a node exports them: the real OTLP/HTTP protobuf exporter sends to a test receiver that decodes the
 * protobuf. A request's span is the child of the caller's `traceparent`; its steps are its children, with their
 * processor calls and commits as theirs; a timer step the request armed joins the same trace; the processor is
 * called with a `traceparent` naming its call's span (HTTP-JSON and woody); woody's trace id is kept on the spans.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { getRequestListener } from "@hono/node-server";
import { MG_SCHEMA, stateProcessing } from "../../src/mg/thrift/generated/index.js";
import { createWoodyClient } from "../../src/mg/woody/client.js";
import { defineProcessor, processorHandler } from "../../src/sdk/index.js";
import { bin, startTestProcessor, type TestProcessor } from "../mg/woody-e2e/mg-test-processor.js";
import { waitFor } from "../support/wait.js";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver.js";
import { serveConfig } from "./support.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN_ID = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`;

let receiver: OtlpReceiver;
let jsonProcessor: { url: string; traceparents: string[]; close(): Promise<void> };

/** An HTTP-JSON processor on a real socket that keeps the `traceparent` header of each step it gets. */
async function startJsonProcessor(): Promise<typeof jsonProcessor> {
  const handler = processorHandler(
    defineProcessor({
      init: ({ result }) => result.append({ created: true }).setTimer({ timeoutMs: 0 }),
      timer: ({ result }) => result.append({ fired: true }).unsetTimer(),
      call: ({ result }) => result.respond("ok"),
    }),
  );
  const traceparents: string[] = [];
  const listener = getRequestListener(async (request: Request) => {
    traceparents.push(request.headers.get("traceparent") ?? "");
    return handler(request);
  });
  const server = http.createServer((request, response) => void listener(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    traceparents,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

before(async () => {
  receiver = await startOtlpReceiver();
  jsonProcessor = await startJsonProcessor();
});

after(async () => {
  await jsonProcessor.close();
  await receiver.close();
});

function only(spans: readonly ReceivedSpan[], describe: string, match: (span: ReceivedSpan) => boolean) {
  const found = spans.filter(match);
  assert.equal(found.length, 1, `one ${describe}; got ${found.length}`);
  return found[0] as ReceivedSpan;
}

function childOf(spans: readonly ReceivedSpan[], name: string, parent: ReceivedSpan): ReceivedSpan {
  return only(
    spans,
    `${name} under ${parent.name}`,
    (span) => span.name === name && span.parentSpanId === parent.spanId,
  );
}

/** The trace id and parent span id a `traceparent` names. */
function parsed(traceparent: string): { traceId: string; spanId: string } {
  const [, traceId = "", spanId = ""] = traceparent.split("-");
  return { traceId, spanId };
}

test("a JSON API request's traceparent is the trace of its spans and is sent on to the HTTP-JSON processor", async () => {
  receiver.spans.length = 0;
  const node = await serveConfig(`service_name: payments
opentelemetry:
  service_name: payments-traced
  exporter: {protocol: http/protobuf, endpoint: '${receiver.endpoint}'}
namespaces:
  pay:
    processor: {url: '${jsonProcessor.url}', protocol: http-json}
`);
  try {
    const created = await fetch(`${node.baseUrl}/v1/namespaces/pay/machines`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: TRACEPARENT },
      body: JSON.stringify({ id: "m1", args: null }),
    });
    assert.equal(created.status, 201);
    await waitFor("the timer step", () => jsonProcessor.traceparents.length === 2);
  } finally {
    await node.close();
  }
  const spans = receiver.spans;
  assert.ok(spans.length >= 7, `spans received: ${spans.map((span) => span.name).join(", ")}`);
  assert.ok(receiver.contentTypes.every((type) => type === "application/x-protobuf"));
  for (const span of spans) {
    assert.equal(span.traceId, TRACE_ID, `${span.name} is in the caller's trace`);
    assert.equal(span.resource["service.name"], "payments-traced");
    assert.ok(span.endNs >= span.startNs);
  }
  const request = only(spans, "request span", (span) => span.name === "ratchet.request");
  assert.equal(request.parentSpanId, CALLER_SPAN_ID);
  assert.equal(request.kind, "SPAN_KIND_SERVER");
  assert.deepEqual(request.attributes, {
    "ratchet.operation": "start",
    "ratchet.namespace": "pay",
    "ratchet.machine_id": "m1",
  });
  const steps = spans.filter((span) => span.name === "ratchet.step");
  assert.deepEqual(steps.map((step) => step.attributes["ratchet.step.kind"]).sort(), ["init", "timer"]);
  for (const step of steps) {
    // The timer step runs later from the context stored with its timer: the same trace, under the request.
    assert.equal(step.parentSpanId, request.spanId);
    assert.equal(step.attributes["ratchet.namespace"], "pay");
    assert.equal(step.attributes["ratchet.machine_id"], "m1");
    assert.equal(step.attributes["ratchet.step.outcome"], "committed");
    assert.equal(step.attributes["ratchet.processor"], "default");
    const call = childOf(spans, "ratchet.processor_call", step);
    assert.equal(call.kind, "SPAN_KIND_CLIENT");
    assert.equal(call.attributes["ratchet.processor"], "default");
    const commit = childOf(spans, "ratchet.commit", step);
    assert.ok(commit.startNs >= call.endNs, "the commit follows the processor's answer");
    assert.ok(
      step.startNs <= call.startNs && commit.endNs <= step.endNs,
      "calls and commits lie within the step",
    );
    const sent = jsonProcessor.traceparents.map(parsed).filter((sent) => sent.spanId === call.spanId);
    assert.deepEqual(sent, [{ traceId: TRACE_ID, spanId: call.spanId }], "the processor got its call's span");
  }
});

let woodyProcessor: TestProcessor;

test("over woody: the Automaton accepts traceparent, the woody processor gets it, woody's trace id is kept", async () => {
  receiver.spans.length = 0;
  woodyProcessor = await startTestProcessor();
  const node = await serveConfig(
    `namespaces:
  NS:
    processor: {url: '${woodyProcessor.url}'}
`,
    { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: "mg-traced" } },
  );
  const automaton = createWoodyClient<stateProcessing.AutomatonMethods>({
    schema: MG_SCHEMA,
    service: stateProcessing.SERVICE.Automaton,
    url: `${node.baseUrl}/v1/automaton`,
    nowUs: () => Date.now() * 1000,
    timeoutMsDefault: 10_000,
  });
  const woodyTraceId = "1234567890123456789";
  try {
    await automaton.call(
      "Start",
      { ns: "NS", id: "w1", a: bin("w1") },
      {
        context: { traceId: woodyTraceId, spanId: "42", parentId: "undefined", meta: {} },
        trace: { traceparent: TRACEPARENT },
      },
    );
  } finally {
    automaton.close();
    await node.close();
    await woodyProcessor.close();
  }
  const step = only(receiver.spans, "step span", (span) => span.name === "ratchet.step");
  assert.equal(step.traceId, TRACE_ID);
  assert.equal(step.resource["service.name"], "mg-traced");
  assert.equal(step.attributes["woody.trace_id"], woodyTraceId);
  assert.equal(step.attributes["ratchet.step.kind"], "init");
  const request = only(receiver.spans, "request span", (span) => span.name === "ratchet.request");
  assert.equal(request.parentSpanId, CALLER_SPAN_ID);
  assert.equal(step.parentSpanId, request.spanId);
  const call = childOf(receiver.spans, "ratchet.processor_call", step);
  const received = woodyProcessor.received.find((entry) => entry.method === "ProcessSignal");
  assert.ok(received !== undefined);
  assert.equal(received.context.traceId, woodyTraceId, "woody's own trace id goes on as before");
  assert.deepEqual(parsed(received.context.trace?.traceparent ?? ""), {
    traceId: TRACE_ID,
    spanId: call.spanId,
  });
});
