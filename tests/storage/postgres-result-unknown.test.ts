/**
 * "Maybe committed" is never reported as "not committed". A node's PostgreSQL connections go through a TCP proxy
 * that breaks one connection right after a chosen message has gone through to the server, so the server acts on
 * it and the node never hears the answer. A call whose COMMIT is cut that way must fail with
 * StorageResultUnknownError (woody 504, "result unknown": a woody client must not blindly retry it), and the
 * step really did commit; a notification whose insert is cut likewise. A connection cut before COMMIT was sent is
 * still "not processed" (StorageUnavailableError): the server rolled that transaction back; under MG's
 * `retries.storage` the commit is then tried again, with the processor's result kept, and the call succeeds once.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { StorageResultUnknownError, StorageUnavailableError } from "../../src/core/errors.js";
import { automatonErrorOf } from "../../src/mg/automaton/automaton-errors.js";
import { WoodySystemError } from "../../src/mg/woody/errors.js";
import {
  createDisposableDatabase,
  createMigratedTemplate,
  type DisposableDatabase,
} from "../../src/storage/postgres/disposable-database.js";
import { PostgresStorage } from "../../src/storage/postgres/postgres-storage.js";
import { createCounterProcessor } from "../support/counter-processor.js";
import { createTestEngine, type EngineFixture } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";
import { TcpProxy } from "../support/tcp-proxy.js";
import { waitFor } from "../support/wait.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
let template: DisposableDatabase;
let database: DisposableDatabase;
let proxy: TcpProxy;
let storage: PostgresStorage;
let direct: PostgresStorage;
let fixture: EngineFixture;
const counter = createCounterProcessor();
const NO_RETRIES = {
  backoff: { kind: "linear" as const, initialIntervalMs: 10, incrementMs: 0 },
  maxAttempts: 0,
};

/** A simple-query message (type Q) whose text is exactly `sql`, as node-postgres sends COMMIT. */
const isSimpleQuery = (sql: string) => (chunk: Buffer) =>
  chunk.includes(Buffer.from(`Q\0\0\0${String.fromCharCode(4 + sql.length + 1)}${sql}\0`, "latin1"));
/** A Bind of a named prepared statement (type B): its name follows the empty portal name. */
const bindsStatement = (name: string) => (chunk: Buffer) =>
  chunk.includes(Buffer.from(`\0${name}\0`, "latin1")) && chunk.includes(Buffer.from("B"));

function open(url: string, name: string): Promise<PostgresStorage> {
  return PostgresStorage.open({
    connectionString: url,
    poolSize: 2,
    statementTimeoutMs: 10_000,
    applicationName: name,
    nowUs: () => Date.now() * 1000,
    migrate: false,
  });
}

before(async () => {
  template = await createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_unknown_tpl",
    schema: "ratchet",
    nowUs: Date.now() * 1000,
  });
  database = await createDisposableDatabase(ADMIN_URL, {
    prefix: "ratchet_unknown",
    template: template.name,
  });
  const target = new URL(database.connectionString);
  proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
  const viaProxy = new URL(database.connectionString);
  viaProxy.port = String(proxy.port);
  storage = await open(viaProxy.toString(), "ratchet-unknown-node");
  direct = await open(database.connectionString, "ratchet-unknown-reader");
  fixture = createTestEngine({
    storage,
    namespaces: [
      // No storage retries: each refusal reaches the caller as it is.
      { name: "u", processor: createCounterProcessor().processor, storageRetryPolicy: NO_RETRIES },
      { name: "r", processor: counter.processor },
    ],
  });
});

after(async () => {
  await fixture.close();
  await storage.close();
  await direct.close();
  await proxy.stop();
  await database.drop();
  await template.drop();
});

test("a call whose COMMIT is cut in flight is result unknown, and its step did commit", async () => {
  await fixture.engine.start("u", "m", json({}));
  const cut = proxy.cutAfter(isSimpleQuery("COMMIT"));
  const error = await fixture.engine.call("u", "m", json({ op: "inc" })).then(
    () => assert.fail("the call succeeded"),
    (thrown: unknown) => thrown,
  );
  await cut;
  assert.ok(error instanceof StorageResultUnknownError, `result unknown, not ${String(error)}`);
  assert.equal(error.failureClass, "result_unknown");
  const answer = automatonErrorOf("Call", error);
  assert.ok(
    answer instanceof WoodySystemError && answer.errorClass === "result unknown",
    "woody answers 504",
  );
  const record = await direct.readMachine("u", "m");
  assert.equal(record?.lastEventId, 1, "the server committed the step the node was not told about");
  assert.equal(
    parse(await fixture.engine.call("u", "m", json({ op: "get" }))),
    1,
    "the node reloads and sees it",
  );
});

test("a notification whose insert is cut in flight is result unknown", async () => {
  await fixture.engine.start("u", "n", json({}));
  const cut = proxy.cutAfter(bindsStatement("ratchet_insert_notification"));
  await assert.rejects(fixture.engine.notify("u", "n", json("hello")), StorageResultUnknownError);
  await cut;
  // It was in fact stored: the scheduler finds it and delivers it (before the next test arms its cut).
  await waitFor("the notification to be delivered", async () => {
    const { history } = await fixture.engine.get("u", "n");
    return history.some((event) => parse<{ notified?: string }>(event.data).notified === "hello");
  });
});

test("a connection cut before COMMIT was sent is not processed: nothing was committed", async () => {
  await fixture.engine.start("u", "k", json({}));
  const cut = proxy.cutAfter(bindsStatement("ratchet_lock_leases"));
  await assert.rejects(fixture.engine.call("u", "k", json({ op: "inc" })), StorageUnavailableError);
  await cut;
  assert.equal((await direct.readMachine("u", "k"))?.lastEventId, 0, "nothing of the step was committed");
});

test("a connection cut before COMMIT was sent is tried again under retries.storage: the call commits once", async () => {
  await fixture.engine.start("r", "k", json({}));
  const calls = () => counter.control.steps.filter((step) => step === "k:call").length;
  const cut = proxy.cutAfter(bindsStatement("ratchet_lock_leases"));
  assert.equal(parse(await fixture.engine.call("r", "k", json({ op: "inc" }))), 1);
  await cut;
  assert.equal(calls(), 1, "the processor was called once: its result was kept");
  assert.equal((await direct.readMachine("r", "k"))?.lastEventId, 1, "the step committed once");
});
