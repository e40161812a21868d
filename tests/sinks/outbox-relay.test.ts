/**
 * The outbox relay publishes every committed event and lifecycle change to a real NATS JetStream, in order per
 * machine, and empties the outbox; while the broker is unreachable steps keep committing and the backlog grows,
 * and it drains when the broker is back. A node on a temporary SQLite file, the real NatsSink, the real server.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { DeadlineExceededError } from "../../src/core/errors.js";
import type { NamespaceOptions } from "../../src/engine/namespace.js";
import { localProcessor } from "../../src/processors/local-processor.js";
import { pack, unpack } from "../../src/processors/payload.js";
import type { RatchetNode } from "../../src/runtime/create-node.js";
import { createNode } from "../../src/runtime/create-node.js";
import { NatsSink } from "../../src/sinks/nats/nats-sink.js";
import type { PublishedMessage } from "../support/nats-stream.js";
import { NATS_URL, StreamReader } from "../support/nats-stream.js";
import { TcpProxy } from "../support/tcp-proxy.js";
import { waitFor } from "../support/wait.js";

let reader: StreamReader;
let directory: string;

before(async () => {
  reader = await StreamReader.open();
  directory = mkdtempSync(join(tmpdir(), "ratchet-relay-"));
});
after(async () => {
  await reader.close();
  rmSync(directory, { recursive: true, force: true });
});

/** Each call appends one event holding its number; `fail` fails the machine; repair appends one event. */
function publishedNamespace(extra: Partial<NamespaceOptions> = {}): NamespaceOptions {
  const processor = localProcessor({
    init: () => ({ events: [{ data: pack({ n: 0 }) }], auxState: { data: pack(0) } }),
    call: ({ args, machine }) => {
      if (unpack(args) === "fail") throw new Error("failed on purpose");
      const n = (unpack(machine.auxState.data) as number) + 1;
      return { events: [{ data: pack({ n }) }], auxState: { data: pack(n) }, response: pack(n) };
    },
    repair: () => ({ events: [{ data: pack({ repaired: true }) }] }),
  });
  return { name: "pay", processor, eventSinks: ["nats"], lifecycleSinks: ["nats"], ...extra };
}

async function withNode(
  servers: string,
  body: (node: RatchetNode, stream: string) => Promise<void>,
  namespace: Partial<NamespaceOptions> = {},
): Promise<void> {
  const stream = `relay_${randomBytes(4).toString("hex")}`;
  const sink = new NatsSink({ name: "nats", servers, stream, subjectPrefix: stream, ackTimeoutMs: 2000 });
  const node = await createNode({
    storage: { kind: "sqlite", path: join(directory, `${stream}.db`) },
    namespaces: () => [publishedNamespace(namespace)],
    sinks: [sink],
    relay: { backoffMsMax: 200 },
  });
  try {
    await body(node, stream);
  } finally {
    await node.close();
    await reader.deleteStream(stream);
  }
}

const drained = (node: RatchetNode) => async () => (await node.storage.outboxBacklog("nats")).records === 0;

const SINK_ACK = { replyAfter: "sink_ack" } as const;

/** The events of each machine, in stream order, as (machine → event ids). */
function eventsByMachine(messages: readonly PublishedMessage[]): Map<string, number[]> {
  const byMachine = new Map<string, number[]>();
  for (const message of messages) {
    if (message.eventId === null) continue;
    const ids = byMachine.get(message.machineId) ?? [];
    ids.push(message.eventId);
    byMachine.set(message.machineId, ids);
  }
  return byMachine;
}

test("every committed event and lifecycle change reaches NATS in order per machine, and the outbox drains", async () => {
  await withNode(NATS_URL, async (node, stream) => {
    const ids = Array.from({ length: 8 }, (_, index) => `p${index}`);
    await Promise.all(
      ids.map(async (id) => {
        await node.engine.start("pay", id, pack(null));
        for (let call = 0; call < 5; call += 1) await node.engine.call("pay", id, pack("next"));
      }),
    );
    await assert.rejects(node.engine.call("pay", "p0", pack("fail")));
    await node.engine.repair("pay", "p0", pack(null));
    await node.engine.remove("pay", "p1");
    await waitFor("the outbox to drain", drained(node));
    const messages = await reader.messages(stream);
    const events = eventsByMachine(messages);
    for (const id of ids) {
      const expected = id === "p0" ? [1, 2, 3, 4, 5, 6, 7] : [1, 2, 3, 4, 5, 6];
      assert.deepEqual(events.get(id), expected, `${id}: every event once, in order`);
    }
    const lifecycleOf = (id: string) =>
      messages.filter((m) => m.machineId === id && m.lifecycle !== null).map((m) => m.lifecycle);
    assert.deepEqual(lifecycleOf("p0"), ["created", "status_changed", "status_changed"]);
    assert.deepEqual(lifecycleOf("p1"), ["created", "removed"]);
    assert.deepEqual(lifecycleOf("p2"), ["created"]);
    const relay = node.relays[0];
    assert.ok(relay && relay.stats.published === messages.length);
  });
});

test("with the broker unreachable, steps still commit and the backlog grows; it drains when the broker returns", async () => {
  const address = new URL(NATS_URL);
  const proxy = await TcpProxy.start({ host: address.hostname, port: Number(address.port) });
  try {
    await withNode(`nats://127.0.0.1:${proxy.port}`, async (node, stream) => {
      await node.engine.start("pay", "before", pack(null));
      await waitFor("the first records to be published", drained(node));
      await proxy.stop();
      for (let call = 0; call < 20; call += 1) {
        assert.equal(
          unpack(await node.engine.call("pay", "before", pack("next"))),
          call + 1,
          "the step committed",
        );
      }
      const backlog = await node.storage.outboxBacklog("nats");
      assert.ok(backlog.records >= 20, `a backlog of ${backlog.records} records waits for the broker`);
      await proxy.resume();
      await waitFor("the backlog to drain", drained(node), { timeoutMs: 30_000 });
      const events = eventsByMachine(await reader.messages(stream)).get("before") ?? [];
      const firstSeen = [...new Set(events)];
      assert.deepEqual(
        firstSeen,
        Array.from({ length: 21 }, (_, index) => index + 1),
        "every event, in order",
      );
    });
  } finally {
    await proxy.stop().catch(() => {});
  }
});

test("a namespace answering after the sinks' acknowledgement answers only once its step is on the stream", async () => {
  await withNode(
    NATS_URL,
    async (node, stream) => {
      await node.engine.start("pay", "acked", pack(null));
      for (let call = 1; call <= 5; call += 1) {
        await node.engine.call("pay", "acked", pack("next"));
        const events = eventsByMachine(await reader.messages(stream)).get("acked") ?? [];
        assert.ok(
          events.includes(call + 1),
          `event ${call + 1} was on the stream when call ${call} was answered`,
        );
      }
    },
    SINK_ACK,
  );
});

test("with the broker unreachable, such a caller gets result-unknown while the step itself commits", async () => {
  const address = new URL(NATS_URL);
  const proxy = await TcpProxy.start({ host: address.hostname, port: Number(address.port) });
  try {
    await withNode(
      `nats://127.0.0.1:${proxy.port}`,
      async (node) => {
        await node.engine.start("pay", "stalled", pack(null));
        await proxy.stop();
        const deadlineUs = node.clock.nowUs() + 300_000;
        await assert.rejects(
          node.engine.call("pay", "stalled", pack("next"), { deadlineUs }),
          DeadlineExceededError,
        );
        assert.equal((await node.engine.get("pay", "stalled")).record.lastEventId, 2, "the step committed");
        await proxy.resume();
        await waitFor("the backlog to drain", drained(node), { timeoutMs: 30_000 });
      },
      SINK_ACK,
    );
  } finally {
    await proxy.stop().catch(() => {});
  }
});
