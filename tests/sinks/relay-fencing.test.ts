/**
 * A stalled relay leader can neither delete nor publish after another node took over its sink. Two nodes share
 * one SQLite file and publish the same sink to the real NATS server. Node A's relay leads and stalls inside a
 * publish (its sink holds the batch) past its lease; node B's relay takes the lease over and publishes every record.
 * When A's publish returns, A's delete is refused by the lease fence and A publishes nothing more: every record is on
 * the stream once (A's stalled batch is a duplicate JetStream drops by message id), in order per machine.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { OutboxRecord } from "../../src/core/outbox.js";
import { localProcessor } from "../../src/processors/local-processor.js";
import { pack } from "../../src/processors/payload.js";
import { createNode } from "../../src/runtime/create-node.js";
import { NatsSink } from "../../src/sinks/nats/nats-sink.js";
import type { Sink } from "../../src/sinks/sink.js";
import { NATS_URL, StreamReader } from "../support/nats-stream.js";
import { waitFor } from "../support/wait.js";

const LEASE_MS = 400;

/** The real NATS sink, with its first publish held until the test lets it go. */
function stalling(sink: NatsSink): {
  sink: Sink;
  publishes: () => number;
  stalled: Promise<void>;
  release(): void;
} {
  let publishes = 0;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reached: () => void = () => {};
  const stalled = new Promise<void>((resolve) => {
    reached = resolve;
  });
  return {
    sink: {
      name: sink.name,
      async publish(records: readonly OutboxRecord[]) {
        publishes += 1;
        if (publishes === 1) {
          reached();
          await gate;
        }
        await sink.publish(records);
      },
      close: () => sink.close(),
    },
    publishes: () => publishes,
    stalled,
    release,
  };
}

test("a relay leader stalled past its lease is fenced out: it deletes and publishes nothing after the takeover", async () => {
  const folder = mkdtempSync(join(tmpdir(), "ratchet-relay-fence-"));
  const path = join(folder, "relay.db");
  const stream = `fence_${randomBytes(4).toString("hex")}`;
  const natsSink = (name: string) =>
    new NatsSink({ name, servers: NATS_URL, stream, subjectPrefix: stream, ackTimeoutMs: 2000 });
  const namespace = {
    name: "pay",
    processor: localProcessor({ init: () => ({ events: [{ data: pack("created") }] }) }),
    eventSinks: ["nats"],
  };
  const a = stalling(natsSink("nats"));
  const errorsOfA: string[] = [];
  const nodeA = await createNode({
    storage: { kind: "sqlite", path },
    namespaces: () => [namespace],
    sinks: [a.sink],
    leaseDurationMs: LEASE_MS,
    relay: { pollIntervalMs: 50 },
    onError: (error) => errorsOfA.push(String((error as { code?: string }).code)),
  });
  const reader = await StreamReader.open();
  let nodeB: Awaited<ReturnType<typeof createNode>> | undefined;
  try {
    const ids = Array.from({ length: 20 }, (_, index) => `m${index}`);
    for (const id of ids) await nodeA.engine.start("pay", id, pack(null));
    await a.stalled;
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 100));
    nodeB = await createNode({
      storage: { kind: "sqlite", path },
      namespaces: () => [namespace],
      sinks: [natsSink("nats")],
      leaseDurationMs: LEASE_MS,
      relay: { pollIntervalMs: 50 },
    });
    await waitFor(
      "B to publish every record",
      async () => (await nodeB?.storage.outboxBacklog("nats"))?.records === 0,
    );
    const publishesBefore = a.publishes();
    a.release();
    await waitFor("A's delete to be refused by the fence", () => errorsOfA.includes("lease_lost"));
    for (const id of ids) await nodeB.engine.start("pay", `${id}-later`, pack(null));
    await waitFor(
      "the later records to be published",
      async () => (await nodeB?.storage.outboxBacklog("nats"))?.records === 0,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(a.publishes(), publishesBefore, "A published nothing after its stalled batch");
    const messages = await reader.messages(stream);
    const seen = messages.map((message) => message.machineId);
    assert.equal(new Set(seen).size, seen.length, "every record once");
    assert.equal(seen.length, 2 * ids.length);
  } finally {
    a.release();
    await nodeB?.close();
    await nodeA.close();
    await reader.deleteStream(stream);
    await reader.close();
    rmSync(folder, { recursive: true, force: true });
  }
});
