/**
 * Proves `/health` and `/ready` and the drain on SIGTERM with real `ratchet serve` processes and MG's test
 * processor: on PostgreSQL, `/ready` answers 503 naming the storage while the database refuses connections and
 * the migrations while the schema is newer than the binary, and 200 again once each is put right; on SQLite, a
 * SIGTERM while a slow call is in flight turns `/ready` to 503 at once, refuses new calls with 503, answers the
 * call in flight, exits 0, and leaves a timer that fell due during the drain unclaimed, for the next node.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import {
  createDisposableDatabase,
  createMigratedTemplate,
  ignoreClosingConnectionError,
} from "../../src/storage/postgres/disposable-database.js";
import { NS } from "../mg/woody-e2e/harness.js";
import { startTestProcessor, type TestProcessor } from "../mg/woody-e2e/mg-test-processor.js";
import { waitFor } from "../support/wait.js";
import { getJson, killServeProcesses, postJson, serveProcess } from "./serve-process.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
/** Long enough for the test to look at the node while it drains; the processor answers the call after it. */
const SLEEP_MS = 2500;

let directory: string;
let processor: TestProcessor;

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-ready-"));
  processor = await startTestProcessor({ sleepMs: SLEEP_MS });
});

after(async () => {
  killServeProcesses();
  await processor.close();
  rmSync(directory, { recursive: true, force: true });
});

interface ReadyBody {
  status: string;
  failed: string[];
  checks: Record<string, { ok: boolean; detail: string }>;
}

async function ready(base: string): Promise<{ status: number; body: ReadyBody }> {
  const { status, json } = await getJson(`${base}/ready`);
  return { status, body: json as unknown as ReadyBody };
}

async function readyUntil(base: string, status: number, what: string) {
  return waitFor(
    what,
    async () => {
      const answer = await ready(base);
      return answer.status === status ? answer : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 50 },
  );
}

test("/ready is 503 naming the storage while the database refuses connections, and the migrations while the schema is newer", async () => {
  const template = await createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_ready_tpl",
    schema: "ratchet",
    nowUs: 0,
  });
  const database = await createDisposableDatabase(ADMIN_URL, {
    prefix: "ratchet_ready",
    template: template.name,
  });
  const admin = new pg.Pool({ connectionString: ADMIN_URL, max: 1 });
  admin.on("error", ignoreClosingConnectionError);
  const quotedName = `"${database.name}"`;
  try {
    const served = await serveProcess({
      directory,
      processor,
      storage: `  type: postgres\n  url: ${database.connectionString}`,
    });
    const health = await getJson(`${served.base}/health`);
    assert.equal(health.status, 200);
    assert.equal(health.json.status, "ok");
    const fine = await ready(served.base);
    assert.equal(fine.status, 200, JSON.stringify(fine.body));
    assert.deepEqual(fine.body.failed, []);
    assert.equal(fine.body.status, "ready");
    assert.deepEqual(Object.keys(fine.body.checks).sort(), [
      "draining",
      "migrations",
      "relays",
      "serving",
      "storage",
    ]);
    assert.match(fine.body.checks.migrations?.detail ?? "", /^schema version \d+$/);

    await admin.query(`ALTER DATABASE ${quotedName} ALLOW_CONNECTIONS false`);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [
      database.name,
    ]);
    const down = await readyUntil(served.base, 503, "/ready to fail while the database refuses connections");
    assert.deepEqual(down.body.failed, ["storage", "migrations"]);
    assert.match(down.body.checks.storage?.detail ?? "", /^unreachable: /);
    assert.equal((await getJson(`${served.base}/health`)).status, 200, "the process is alive all the same");
    await admin.query(`ALTER DATABASE ${quotedName} ALLOW_CONNECTIONS true`);
    await readyUntil(served.base, 200, "/ready to pass once the database takes connections again");

    const node = new pg.Pool({ connectionString: database.connectionString, max: 1 });
    node.on("error", ignoreClosingConnectionError);
    try {
      await node.query(
        "INSERT INTO ratchet.schema_migrations (version, name, applied_at_us) SELECT max(version) + 1, 'future', 0 FROM ratchet.schema_migrations",
      );
      const newer = await ready(served.base);
      assert.equal(newer.status, 503);
      assert.deepEqual(newer.body.failed, ["migrations"]);
      assert.match(
        newer.body.checks.migrations?.detail ?? "",
        /^schema version (\d+); this Ratchet needs \d+$/,
      );
      await node.query("DELETE FROM ratchet.schema_migrations WHERE name = 'future'");
      assert.equal((await ready(served.base)).status, 200);
    } finally {
      await node.end();
    }
    served.child.kill("SIGTERM");
    assert.equal(await served.exited, 0);
  } finally {
    await admin.query(`ALTER DATABASE ${quotedName} ALLOW_CONNECTIONS true`).catch(() => undefined);
    await admin.end();
    await database.drop();
    await template.drop();
  }
});

test("SIGTERM with a slow call in flight: /ready turns 503, new calls are refused, the call is answered, exit 0", async () => {
  const storage = `  type: sqlite\n  path: ${join(directory, "drain.db")}`;
  const served = await serveProcess({ directory, processor, storage });
  const machines = `${served.base}/v1/namespaces/${NS}/machines`;
  assert.equal((await postJson(machines, { id: "slow", args: "start" })).status, 201);
  assert.equal((await postJson(machines, { id: "timed", args: "start" })).status, 201);
  assert.equal((await ready(served.base)).status, 200);
  const sleepsBefore = processor.received.filter((call) => call.kind === "call").length;
  const timeoutsBefore = processor.received.filter((call) => call.kind === "timeout").length;
  let slowAnswered = false;
  const slow = postJson(`${machines}/slow/call`, { args: "sleep" }).finally(() => {
    slowAnswered = true;
  });
  await waitFor(
    "the slow call at the processor",
    () => processor.received.filter((call) => call.kind === "call").length > sleepsBefore,
  );
  // A timer due in 1 s: it falls due while the node drains, so only a scheduler still claiming would run it.
  assert.equal((await postJson(`${machines}/timed/call`, { args: "set_timer" })).status, 200);
  served.child.kill("SIGTERM");

  const draining = await readyUntil(served.base, 503, "/ready to fail once the drain starts");
  assert.ok(!slowAnswered, "readiness fails before the call in flight is answered");
  assert.ok(draining.body.failed.includes("draining"), JSON.stringify(draining.body));
  assert.equal(draining.body.checks.draining?.detail, "draining: the node takes no new work");
  const refused = await postJson(`${machines}/timed/call`, { args: "nop" });
  assert.equal(refused.status, 503);
  assert.equal(refused.json.type, "urn:ratchet:problem:shutting-down");
  assert.equal((await getJson(`${served.base}/health`)).status, 200, "the process answers while it drains");
  assert.ok(!slowAnswered, "all of this happened while the call was in flight");

  const answered = await slow;
  assert.equal(answered.status, 200);
  assert.deepEqual(answered.json, { response: "sleep" });
  assert.equal(await served.exited, 0);
  assert.match(served.stdout(), /stopping: draining requests and steps in flight\nstopped\n$/);
  await assert.rejects(fetch(`${served.base}/health`), "nothing listens after the exit");
  assert.equal(
    processor.received.filter((call) => call.kind === "timeout").length,
    timeoutsBefore,
    "the draining node claimed no timer",
  );

  const next = await serveProcess({ directory, processor, storage });
  await waitFor(
    "the next node to run the timer",
    () => processor.received.filter((call) => call.kind === "timeout").length > timeoutsBefore,
    { timeoutMs: 10_000 },
  );
  next.child.kill("SIGTERM");
  assert.equal(await next.exited, 0);
});
