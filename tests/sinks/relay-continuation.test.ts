/**
 * `retries.continuation` in Ratchet's terms: a relay retries a batch its sink failed under each record's
 * namespace's policy, and parks the records of a namespace whose bounded policy ran out, while the others keep
 * waiting for the broker. One node on a temporary SQLite file, the real NatsSink, the real NATS server behind a TCP
 * forwarder that stays closed until the test opens it (so nothing can reach the server before, not even a
 * buffered publish). Three namespaces share the sink: `strict` (two retries), `fragile` (sink_unavailable is
 * non-retryable) and `patient` (no policy: the relay's own backoff, without end).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { RetryPolicy } from "../../src/core/retry-policy.js";
import { localProcessor } from "../../src/processors/local-processor.js";
import { pack } from "../../src/processors/payload.js";
import { createNode } from "../../src/runtime/create-node.js";
import { NatsSink } from "../../src/sinks/nats/nats-sink.js";
import { NATS_URL, StreamReader } from "../support/nats-stream.js";
import { TcpProxy } from "../support/tcp-proxy.js";
import { waitFor } from "../support/wait.js";

let reader: StreamReader;
let directory: string;

before(async () => {
  reader = await StreamReader.open();
  directory = mkdtempSync(join(tmpdir(), "ratchet-continuation-"));
});
after(async () => {
  await reader.close();
  rmSync(directory, { recursive: true, force: true });
});

/** Init appends event 1; each call appends the next. */
const processor = localProcessor({
  init: () => ({ events: [{ data: pack(1) }] }),
  call: ({ machine }) => ({ events: [{ data: pack(machine.history.length + 1) }] }),
});

const CONTINUATION: ReadonlyMap<string, RetryPolicy> = new Map([
  ["strict", { backoff: { kind: "intervals", intervalsMs: [20, 20] } }],
  [
    "fragile",
    {
      backoff: { kind: "exponential", initialIntervalMs: 20, factor: 2 },
      nonRetryable: ["sink_unavailable"],
    },
  ],
]);

test("with the sink down, a bounded policy's records are parked and the others wait; requeued, they flow in order", async () => {
  const address = new URL(NATS_URL);
  const proxy = await TcpProxy.start({ host: address.hostname, port: Number(address.port) });
  await proxy.stop();
  const stream = `continuation_${randomBytes(4).toString("hex")}`;
  const sink = new NatsSink({
    name: "nats",
    servers: `nats://127.0.0.1:${proxy.port}`,
    stream,
    subjectPrefix: stream,
    ackTimeoutMs: 2000,
    connectTimeoutMs: 1000,
  });
  const namespaces = ["strict", "fragile", "patient"].map((name) => ({
    name,
    processor,
    eventSinks: ["nats"],
  }));
  const node = await createNode({
    storage: { kind: "sqlite", path: join(directory, `${stream}.db`) },
    namespaces: () => namespaces,
    sinks: [sink],
    relay: { backoffMsMin: 20, backoffMsMax: 200, continuationPolicies: CONTINUATION },
  });
  const parked = async () => node.storage.listParked({ sink: "nats", limit: 100 });
  const eventsOf = async (namespace: string) =>
    (await reader.messages(stream).catch(() => []))
      .filter((message) => message.namespace === namespace)
      .map((message) => `${message.machineId}#${message.eventId}`);
  try {
    // One record per machine, so no record waits behind another machine's parked one.
    for (const namespace of ["strict", "fragile", "patient"]) {
      for (const id of ["m1", "m2"]) await node.engine.start(namespace, id, pack(null));
    }
    await waitFor("strict's and fragile's records to be parked", async () => (await parked()).length === 4, {
      timeoutMs: 15_000,
      intervalMs: 20,
    });
    // The first record of each namespace was in every failed try of its namespace (a later one may have joined a
    // later try, and count fewer or more): it ran out exactly when the policy says.
    const firstReasons = new Map<string, string>();
    for (const entry of await parked()) {
      if (!firstReasons.has(entry.record.namespace)) firstReasons.set(entry.record.namespace, entry.reason);
    }
    const reasons = firstReasons;
    assert.match(
      reasons.get("fragile") ?? "",
      /^retries\.continuation of namespace "fragile" ran out after 1 failure: sink "nats" is unavailable/,
    );
    assert.match(
      reasons.get("strict") ?? "",
      /^retries\.continuation of namespace "strict" ran out after 3 failures: sink "nats" is unavailable/,
    );
    assert.deepEqual(
      (await parked()).map((entry) => `${entry.record.namespace}/${entry.record.machineId}`).sort(),
      ["fragile/m1", "fragile/m2", "strict/m1", "strict/m2"],
    );
    const backlog = await node.storage.outboxBacklog("nats");
    assert.deepEqual(
      [backlog.records, backlog.parked],
      [2, 4],
      "patient's 2 records wait beside the 4 parked",
    );

    // While the sink stays down, a namespace whose policy ran out has a new machine's record parked at its first
    // failure; a parked machine's next record waits behind its parked one (its order survives), unparked.
    await node.engine.start("strict", "m3", pack(null));
    await node.engine.call("strict", "m1", pack(null));
    await waitFor("strict/m3's record to be parked", async () => (await parked()).length === 5, {
      timeoutMs: 15_000,
      intervalMs: 20,
    });
    const relay = node.relays[0]!;
    assert.ok(relay.stats.failures >= 3, `the relay counted ${relay.stats.failures} failures`);
    assert.equal(relay.stats.parked, 5);

    await proxy.resume();
    await waitFor("patient's records on the stream", async () => (await eventsOf("patient")).length === 2, {
      timeoutMs: 15_000,
      intervalMs: 20,
    });
    assert.deepEqual((await eventsOf("patient")).sort(), ["m1#1", "m2#1"]);
    assert.deepEqual(
      await eventsOf("strict"),
      [],
      "parked records, and those waiting behind them, are not published",
    );
    assert.equal((await node.storage.outboxBacklog("nats")).records, 1, "strict/m1's call waits");

    const positions = (await parked()).map((entry) => entry.position);
    assert.equal(await node.storage.requeueParked({ sink: "nats", positions }), 5);
    relay.wake();
    await waitFor("the requeued records on the stream", async () => (await eventsOf("strict")).length === 4, {
      timeoutMs: 15_000,
      intervalMs: 20,
    });
    const strict = await eventsOf("strict");
    assert.deepEqual(
      strict.filter((event) => event.startsWith("m1#")),
      ["m1#1", "m1#2"],
      "m1's waiting record follows its requeued one, in order",
    );
    assert.deepEqual(strict.sort(), ["m1#1", "m1#2", "m2#1", "m3#1"]);
    assert.deepEqual((await eventsOf("fragile")).sort(), ["m1#1", "m2#1"]);
  } finally {
    await node.close();
    await proxy.stop();
    await reader.deleteStream(stream);
  }
});
