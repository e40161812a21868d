/**
 * Idempotency keys in the engine: a keyed start, call, repair or notify retried with the same request gets the
 * first outcome without a second step (the counter processor's step log counts its invocations), and the same key
 * with another request is IdempotencyKeyReusedError; on SQLite, through the real engine.
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { parseConfig } from "../../src/config/config.js";
import { IdempotencyKeyReusedError, MachineFailedError } from "../../src/core/errors.js";
import { createNode } from "../../src/runtime/create-node.js";
import { createCounterProcessor } from "../support/counter-processor.js";
import { createTestEngine, type EngineFixture } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";
import { waitFor } from "../support/wait.js";

let fixture: EngineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

function setup() {
  const counter = createCounterProcessor();
  fixture = createTestEngine({ namespaces: [{ name: "ns", processor: counter.processor }] });
  return { engine: fixture.engine, storage: fixture.storage, counter };
}

const key = (name: string, requestHash = `hash-${name}`) => ({ idempotency: { key: name, requestHash } });

test("a keyed start and call retried with the same request run one step each", async () => {
  const { engine, counter } = setup();
  await engine.start("ns", "m", json({}), key("s"));
  await engine.start("ns", "m", json({}), key("s"));
  const first = await engine.call("ns", "m", json({ op: "inc" }), key("c"));
  const again = await engine.call("ns", "m", json({ op: "inc" }), key("c"));
  assert.equal(parse(first), 1);
  assert.equal(parse(again), 1, "the retry gets the first response");
  assert.deepEqual(counter.control.steps, ["m:init", "m:call"], "one step each");
  assert.equal(parse(await engine.call("ns", "m", json({ op: "get" }))), 1);
});

test("the same key with another request is refused and changes nothing", async () => {
  const { engine, counter } = setup();
  await engine.start("ns", "m", json({}));
  await engine.call("ns", "m", json({ op: "inc" }), key("c", "one"));
  await assert.rejects(
    engine.call("ns", "m", json({ op: "inc" }), key("c", "two")),
    IdempotencyKeyReusedError,
  );
  await assert.rejects(
    engine.repair("ns", "m", json({ op: "ok" }), key("c", "one")),
    IdempotencyKeyReusedError,
  );
  await assert.rejects(engine.notify("ns", "m", json("x"), key("c", "one")), IdempotencyKeyReusedError);
  await engine.start("ns", "other", json({}));
  await assert.rejects(
    engine.call("ns", "other", json({ op: "inc" }), key("c", "one")),
    IdempotencyKeyReusedError,
  );
  assert.deepEqual(counter.control.steps, ["m:init", "m:call", "other:init"]);
});

test("a keyed call that failed the machine gives the same failure again, without a step", async () => {
  const { engine, counter } = setup();
  await engine.start("ns", "m", json({}));
  await assert.rejects(engine.call("ns", "m", json({ op: "fail" }), key("f")), MachineFailedError);
  await assert.rejects(engine.call("ns", "m", json({ op: "fail" }), key("f")), /call failed on purpose/);
  const repaired = await engine.repair("ns", "m", json({ op: "ok" }), key("r"));
  assert.equal(parse(await engine.repair("ns", "m", json({ op: "ok" }), key("r"))), parse(repaired));
  assert.deepEqual(counter.control.steps, ["m:init", "m:call", "m:repair"]);
});

test("a keyed notify retried stores one notification and answers with its id", async () => {
  const { engine, storage, counter } = setup();
  await engine.start("ns", "m", json({}));
  const first = await engine.notify("ns", "m", json("hello"), key("n"));
  const again = await engine.notify("ns", "m", json("hello"), key("n"));
  assert.equal(again, first);
  // Once nothing waits, every stored notification has been delivered: one delivery means one was stored.
  await waitFor(
    "the notification to be delivered",
    async () => (await storage.listNotifications("ns", "m")).length === 0,
  );
  assert.deepEqual(counter.control.notifications, ["hello"]);
});

test("a node prunes idempotency keys older than their retention; a config reads idempotency_key_retention", async () => {
  const counter = createCounterProcessor();
  const node = await createNode({
    storage: { kind: "sqlite", path: ":memory:" },
    namespaces: () => [{ name: "ns", processor: counter.processor }],
    idempotencyKeyRetentionMs: 200,
  });
  try {
    await node.engine.start("ns", "m", json({}), key("pruned"));
    assert.ok(await node.storage.readIdempotencyKey("ns", "pruned"), "stored by the start");
    await waitFor(
      "the key to be pruned",
      async () => (await node.storage.readIdempotencyKey("ns", "pruned")) === null,
    );
  } finally {
    await node.close();
  }
  const yaml = (extra: string) =>
    `${extra}namespaces:\n  ns:\n    processor:\n      url: http://127.0.0.1:1/p\n`;
  assert.equal(parseConfig(yaml(""), {}).idempotencyKeyRetentionMs, 24 * 60 * 60 * 1000);
  assert.equal(
    parseConfig(yaml("idempotency_key_retention: 90m\n"), {}).idempotencyKeyRetentionMs,
    90 * 60 * 1000,
  );
});
