/**
 * The relay reads its next batch while the last one publishes, and takes that read only when the last round
 * ended well. A node on a temporary SQLite file commits the records; a relay of the test's own runs over the
 * same storage and the real NATS server, its storage refusing one delete (StorageUnavailableError, as an outage
 * would) and its sink noting every batch it hands on. The batch whose delete failed is published again before
 * any record read after it, every record reaches the stream, and the outbox drains.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StorageUnavailableError } from "../../src/core/errors.js";
import type { OutboxRecord } from "../../src/core/outbox.js";
import { localProcessor } from "../../src/processors/local-processor.js";
import { pack } from "../../src/processors/payload.js";
import { createNode } from "../../src/runtime/create-node.js";
import { SystemClock } from "../../src/runtime/system-clock.js";
import { NatsSink } from "../../src/sinks/nats/nats-sink.js";
import { OutboxRelay } from "../../src/sinks/outbox-relay.js";
import type { OutboxStore } from "../../src/storage/outbox-store.js";
import { NATS_URL, StreamReader } from "../support/nats-stream.js";
import { waitFor } from "../support/wait.js";

const MACHINES = 8;
const CALLS = 12;

const keyOf = (record: OutboxRecord) =>
  `${record.machineId}#${record.kind === "event" ? record.eventId : `l${record.sequence}`}`;

test("a batch read beside a publish is used only after that round's delete: a failed delete's batch goes again first", async () => {
  const folder = mkdtempSync(join(tmpdir(), "ratchet-read-ahead-"));
  const stream = `ahead_${randomBytes(4).toString("hex")}`;
  const node = await createNode({
    storage: { kind: "sqlite", path: join(folder, "outbox.db") },
    namespaces: () => [
      {
        name: "pay",
        processor: localProcessor({
          init: () => ({ events: [{ data: pack(0) }] }),
          call: () => ({ events: [{ data: pack(1) }], response: pack(null) }),
        }),
        eventSinks: ["nats"],
      },
    ],
  });
  const reader = await StreamReader.open();
  const real = new NatsSink({
    name: "nats",
    servers: NATS_URL,
    stream,
    subjectPrefix: stream,
    ackTimeoutMs: 2000,
  });
  const batches: string[][] = [];
  let readsInFlight = 0;
  let publishesBesideRead = 0;
  let deletes = 0;
  let failedDelete: readonly number[] = [];
  const overrides: Partial<OutboxStore> = {
    readOutbox(options) {
      readsInFlight += 1;
      return node.storage.readOutbox(options).finally(() => {
        readsInFlight -= 1;
      });
    },
    async deleteOutbox(options) {
      deletes += 1;
      if (deletes === 2) {
        failedDelete = options.positions;
        throw new StorageUnavailableError("the delete failed on purpose");
      }
      return node.storage.deleteOutbox(options);
    },
  };
  // The node's own storage, with those two methods seen through (the others bound to it: it has private state).
  const storage = new Proxy(node.storage, {
    get(target, property, receiver) {
      const override = overrides[property as keyof OutboxStore];
      if (override !== undefined) return override;
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const errors: string[] = [];
  const relay = new OutboxRelay(
    storage,
    {
      name: "nats",
      async publish(records) {
        if (readsInFlight > 0) publishesBesideRead += 1;
        batches.push(records.map(keyOf));
        await real.publish(records);
      },
      close: () => real.close(),
    },
    new SystemClock(),
    {
      owner: "relay-under-test",
      batchRecordsMax: 5,
      leaseDurationMs: 5000,
      pollIntervalMs: 20,
      backoffMsMin: 10,
      backoffMsMax: 50,
      onError: (error) => errors.push(String(error)),
    },
  );
  try {
    const ids = Array.from({ length: MACHINES }, (_, index) => `m${index}`);
    for (const id of ids) await node.engine.start("pay", id, pack(null));
    relay.start();
    await Promise.all(
      ids.map(async (id) => {
        for (let call = 0; call < CALLS; call += 1) await node.engine.call("pay", id, pack(null));
      }),
    );
    const total = MACHINES * (CALLS + 1);
    await waitFor(
      "the outbox to drain",
      async () => (await node.storage.outboxBacklog("nats")).records === 0,
    );
    assert.ok(publishesBesideRead > 0, "the next batch was read while a batch was publishing");
    // Each published batch is deleted before the next is published: the second delete was the second batch's.
    const [, failed, next] = batches;
    assert.ok(failed !== undefined && next !== undefined);
    assert.equal(failedDelete.length, failed.length, "the second delete was the second batch's");
    assert.ok(errors.some((error) => error.includes("failed on purpose")));
    assert.deepEqual(
      next.slice(0, failed.length),
      failed,
      "the failed round's records are read and published again first, not the batch read beside it",
    );
    const messages = await reader.messages(stream);
    const byMachine = new Map<string, number[]>();
    for (const message of messages) {
      if (message.eventId === null) continue;
      byMachine.set(message.machineId, [...(byMachine.get(message.machineId) ?? []), message.eventId]);
    }
    for (const id of ids) {
      assert.deepEqual(
        byMachine.get(id),
        Array.from({ length: CALLS + 1 }, (_, index) => index + 1),
        `${id}: every event once, in order`,
      );
    }
    assert.equal(messages.length, total);
  } finally {
    await relay.stop();
    await real.close();
    await node.close();
    await reader.deleteStream(stream);
    await reader.close();
    rmSync(folder, { recursive: true, force: true });
  }
});
