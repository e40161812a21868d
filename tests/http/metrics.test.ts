/**
 * `GET /metrics` over a real HTTP server reports a running node's counters in Prometheus' text format: steps
 * committed, group commits, and per sink the relay's published records, the outbox backlog and its lag (a real
 * NATS sink on the machine's server).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { createHttpServer } from "../../src/http/http-server.js";
import { localProcessor } from "../../src/processors/local-processor.js";
import { pack } from "../../src/processors/payload.js";
import { createNode } from "../../src/runtime/create-node.js";
import { createNodeMetrics } from "../../src/runtime/metrics.js";
import { NatsSink } from "../../src/sinks/nats/nats-sink.js";
import { NATS_URL, StreamReader } from "../support/nats-stream.js";
import { waitFor } from "../support/wait.js";

test("a node's metrics count its steps and its relay's publishing", async () => {
  const stream = `metrics_${randomBytes(4).toString("hex")}`;
  const sink = new NatsSink({ name: "nats", servers: NATS_URL, stream, subjectPrefix: stream });
  const processor = localProcessor({
    init: () => ({ events: [{ data: pack("hello") }] }),
    call: () => ({ events: [{ data: pack(1) }] }),
  });
  const node = await createNode({
    storage: { kind: "sqlite", path: ":memory:" },
    namespaces: () => [{ name: "m", processor, eventSinks: ["nats"] }],
    sinks: [sink],
  });
  const registry = createNodeMetrics(node);
  const server = createHttpServer({
    engine: node.engine,
    nowUs: () => node.clock.nowUs(),
    metrics: registry,
  });
  const reader = await StreamReader.open();
  try {
    const address = await server.listen(0, "127.0.0.1");
    await node.engine.start("m", "a", pack(null));
    await node.engine.call("m", "a", pack(null));
    await waitFor(
      "the relay to publish",
      async () => (await node.storage.outboxBacklog("nats")).records === 0,
    );
    const response = await fetch(`http://127.0.0.1:${address.port}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /text\/plain/);
    const text = await response.text();
    assert.match(text, /^ratchet_steps_committed_total 2$/m);
    assert.match(text, /^ratchet_relay_published_total\{sink="nats"\} 2$/m);
    assert.match(text, /^ratchet_outbox_backlog_records\{sink="nats"\} 0$/m);
    assert.match(text, /^ratchet_outbox_lag_seconds\{sink="nats"\} 0$/m);
    assert.match(text, /^ratchet_relay_leading\{sink="nats"\} 1$/m);
  } finally {
    await server.close();
    await node.close();
    await reader.deleteStream(stream);
    await reader.close();
  }
});
