/**
 * The latency histograms, scraped from `GET /metrics` of a real node over HTTP after real steps: step durations by
 * kind and outcome, processor calls by processor and outcome, group commits' size and duration, timer lateness.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ProcessorUnavailableError } from "../../src/core/errors.js";
import { createHttpServer } from "../../src/http/http-server.js";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import { pack, unpack } from "../../src/processors/payload.js";
import { createNode } from "../../src/runtime/create-node.js";
import { createNodeMetrics } from "../../src/runtime/metrics.js";
import { SystemClock } from "../../src/runtime/system-clock.js";
import { createMachine, lease, NS } from "../../src/storage/conformance/support.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { waitFor } from "../support/wait.js";
import { parsePrometheusText, type Sample, sampleOf, samplesOf } from "./prometheus-text.js";

const TIMER_DELAY_MS = 30;

function chainProcessor() {
  return localProcessor({
    init: () => ({ events: [{ data: pack("created") }], timer: timer.now({ step: "first" }) }),
    timer: (_input, { stepName }) =>
      stepName === "first"
        ? { events: [{ data: pack("first") }], timer: timer.after(TIMER_DELAY_MS, { step: "second" }) }
        : { events: [{ data: pack("second") }], timer: timer.unset() },
    call: (input) => {
      if (unpack(input.args) === "fail") throw new ProcessorUnavailableError("the bank is down");
      return { response: pack("ok") };
    },
  });
}

/** Each histogram's `+Inf` bucket is its count, and its buckets never decrease. */
function assertHistogramShape(samples: readonly Sample[], name: string): void {
  for (const count of samplesOf(samples, `${name}_count`)) {
    const buckets = samplesOf(samples, `${name}_bucket`, count.labels).filter(
      (bucket) => Object.keys(bucket.labels).length === Object.keys(count.labels).length + 1,
    );
    assert.ok(buckets.length > 1, `${name} has buckets`);
    const values = buckets.map((bucket) => bucket.value);
    assert.deepEqual(
      values,
      [...values].sort((a, b) => a - b),
      `${name} buckets are cumulative`,
    );
    assert.equal(buckets.at(-1)?.labels.le, "+Inf");
    assert.equal(buckets.at(-1)?.value, count.value, `${name} +Inf bucket is the count`);
  }
}

test("the step, processor call, commit and timer histograms count a node's real steps", async () => {
  const node = await createNode({
    storage: { kind: "sqlite", path: ":memory:" },
    pollIntervalMs: 20,
    namespaces: () => [{ name: "m", processor: chainProcessor() }],
  });
  const server = createHttpServer({
    engine: node.engine,
    nowUs: () => node.clock.nowUs(),
    metrics: createNodeMetrics(node),
  });
  try {
    const address = await server.listen(0, "127.0.0.1");
    await node.engine.start("m", "a", pack(null));
    await waitFor("both timer steps", async () => (await node.engine.get("m", "a")).history.length === 3);
    await node.engine.call("m", "a", pack("ok"));
    await assert.rejects(node.engine.call("m", "a", pack("fail")), ProcessorUnavailableError);

    const response = await fetch(`http://127.0.0.1:${address.port}/metrics`);
    assert.equal(response.status, 200);
    const samples = parsePrometheusText(await response.text());
    const steps = "ratchet_step_duration_seconds_count";
    assert.equal(sampleOf(samples, steps, { namespace: "m", kind: "init", outcome: "committed" }), 1);
    assert.equal(sampleOf(samples, steps, { namespace: "m", kind: "timer", outcome: "committed" }), 2);
    assert.equal(sampleOf(samples, steps, { namespace: "m", kind: "call", outcome: "committed" }), 1);
    assert.equal(sampleOf(samples, steps, { namespace: "m", kind: "call", outcome: "transient_error" }), 1);
    assert.ok(
      sampleOf(samples, "ratchet_step_duration_seconds_sum", { kind: "timer", outcome: "committed" }) > 0,
    );

    const calls = "ratchet_processor_call_duration_seconds_count";
    assert.equal(sampleOf(samples, calls, { namespace: "m", endpoint: "default", outcome: "ok" }), 4);
    assert.equal(sampleOf(samples, calls, { namespace: "m", endpoint: "default", outcome: "error" }), 1);

    const committed = sampleOf(samples, "ratchet_steps_committed_total");
    assert.equal(committed, 4);
    assert.equal(sampleOf(samples, "ratchet_commit_batch_steps_sum"), committed);
    const batches = sampleOf(samples, "ratchet_commit_batch_steps_count");
    assert.ok(batches >= 1 && batches <= committed);
    assert.equal(sampleOf(samples, "ratchet_commit_duration_seconds_count"), batches);

    // Both timers ran: the first at once (chained), the second after its delay (from the scheduler or the chain).
    assert.equal(sampleOf(samples, "ratchet_timer_lateness_seconds_count", { namespace: "m" }), 2);

    for (const name of [
      "ratchet_step_duration_seconds",
      "ratchet_processor_call_duration_seconds",
      "ratchet_commit_batch_steps",
      "ratchet_commit_duration_seconds",
      "ratchet_timer_lateness_seconds",
    ]) {
      assertHistogramShape(samples, name);
    }
  } finally {
    await server.close();
    await node.close();
  }
});

test("a claim of a machine whose lease another node let expire counts as a lease takeover", async () => {
  const directory = mkdtempSync(join(tmpdir(), "ratchet-takeover-"));
  const path = join(directory, "ratchet.db");
  const clock = new SystemClock();
  // A node that died holding two machines with due timers (its leases, taken long ago, have expired), and one
  // machine nobody held.
  const before = new SqliteStorage({ path, nowUs: () => clock.nowUs() });
  const due = { timer: { dueAtUs: 0, range: { direction: "forward" as const } } };
  for (const id of ["held-1", "held-2", "free"]) await createMachine(before, id, 0, due);
  await lease(before, "held-1", "dead-node");
  await lease(before, "held-2", "dead-node");
  await before.close();
  const processor = localProcessor({
    timer: () => ({ events: [{ data: pack("resumed") }], timer: timer.unset() }),
  });
  const node = await createNode({
    storage: { kind: "sqlite", path },
    pollIntervalMs: 20,
    namespaces: () => [{ name: NS, processor }],
  });
  const server = createHttpServer({
    engine: node.engine,
    nowUs: () => node.clock.nowUs(),
    metrics: createNodeMetrics(node),
  });
  try {
    const address = await server.listen(0, "127.0.0.1");
    for (const id of ["held-1", "held-2", "free"]) {
      await waitFor(`${id} resumed`, async () => (await node.engine.get(NS, id)).history.length === 1);
    }
    const samples = parsePrometheusText(
      await (await fetch(`http://127.0.0.1:${address.port}/metrics`)).text(),
    );
    assert.equal(sampleOf(samples, "ratchet_lease_takeovers_total", { namespace: NS }), 2);
    assert.equal(sampleOf(samples, "ratchet_timer_lateness_seconds_count", { namespace: NS }), 3);
  } finally {
    await server.close();
    await node.close();
    rmSync(directory, { recursive: true, force: true });
  }
});
