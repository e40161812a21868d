/**
 * Notifications (mg_core_machine_notification_SUITE): notify answers with an id at once and the processor gets a
 * notification signal later; an unknown machine gets MachineNotFound and nothing is stored; a notification that
 * fails the machine is kept and delivered again after repair; a transient failure is retried. Real SQLite.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { MachineNotFoundError, NamespaceNotFoundError } from "../../src/core/errors.js";
import { createCounterProcessor } from "../support/counter-processor.js";
import type { EngineFixture } from "../support/engine-fixture.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";
import { waitFor } from "../support/wait.js";

let fixture: EngineFixture;
const { processor, control } = createCounterProcessor();
const fastRetry = {
  backoff: { kind: "linear" as const, initialIntervalMs: 10, incrementMs: 0 },
  maxAttempts: 50,
};

before(() => {
  fixture = createTestEngine({ namespaces: [{ name: "n", processor, notificationRetryPolicy: fastRetry }] });
});
after(() => fixture.close());

const notifiedEvents = async (id: string) =>
  (await fixture.engine.get("n", id)).history
    .map((event) => parse<{ notified?: string }>(event.data).notified)
    .filter((value) => value !== undefined);

test("notify returns an id at once; the notification arrives later as a signal", async () => {
  await fixture.engine.start("n", "w1", json({}));
  const id = await fixture.engine.notify("n", "w1", json("session finished"));
  assert.equal(typeof id, "string");
  assert.ok(id.length > 0);
  await waitFor("delivery", async () => (await notifiedEvents("w1")).length === 1);
  assert.deepEqual(await notifiedEvents("w1"), ["session finished"]);
});

test("notifying a machine that does not exist gets MachineNotFound and stores nothing", async () => {
  await assert.rejects(fixture.engine.notify("n", "missing", json("x")), MachineNotFoundError);
  await assert.rejects(fixture.engine.notify("nope", "w1", json("x")), NamespaceNotFoundError);
  assert.equal(await fixture.storage.nextDueAtUs(["n"]), null, "no notification is pending");
});

test("a notification that fails the machine is kept and delivered after repair", async () => {
  await fixture.engine.start("n", "w2", json({}));
  control.notificationFatal = true;
  await fixture.engine.notify("n", "w2", json("retry me"));
  await waitFor("the failure", async () => (await fixture.engine.get("n", "w2")).status === "failed");
  control.notificationFatal = false;
  await fixture.engine.repair("n", "w2", json({ op: "ok" }));
  await waitFor("redelivery", async () => (await notifiedEvents("w2")).includes("retry me"));
});

test("a transient notification failure is retried until it is delivered", async () => {
  await fixture.engine.start("n", "w3", json({}));
  control.notificationFailuresLeft = 3;
  await fixture.engine.notify("n", "w3", json("eventually"));
  await waitFor("delivery after retries", async () => (await notifiedEvents("w3")).includes("eventually"));
  assert.equal(control.notificationFailuresLeft, 0);
  assert.equal((await fixture.engine.get("n", "w3")).status, "idle");
});

test("several notifications to one machine are all delivered, one step each", async () => {
  await fixture.engine.start("n", "w4", json({}));
  for (const text of ["a", "b", "c"]) await fixture.engine.notify("n", "w4", json(text));
  await waitFor("all three", async () => (await notifiedEvents("w4")).length === 3);
  assert.deepEqual([...(await notifiedEvents("w4"))].sort(), ["a", "b", "c"]);
  assert.equal(control.overlaps, 0);
});
