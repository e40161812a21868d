/**
 * The JSON API over real HTTP, served by `ratchet serve` as a child process with MG's test processor over woody
 * in this process: idempotent retries after a simulated client timeout run one step (the processor's received
 * calls are counted); `/openapi.json` validates as OpenAPI 3.1 with a maintained validator and documents every
 * endpoint; and on PostgreSQL a search paging through 10,000 machines while others are written sees each at most
 * once and every machine that existed throughout.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Validator } from "@seriousme/openapi-schema-validator";
import pg from "pg";
import {
  createDisposableDatabase,
  createMigratedTemplate,
  type DisposableDatabase,
  ignoreClosingConnectionError,
} from "../../src/storage/postgres/disposable-database.js";
import { e2eConfigYaml, NS } from "../mg/woody-e2e/harness.js";
import { startTestProcessor, type TestProcessor } from "../mg/woody-e2e/mg-test-processor.js";
import { waitFor } from "../support/wait.js";

const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SLEEP_MS = 400;

let directory: string;
let processor: TestProcessor;
const children: ChildProcess[] = [];

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-json-api-"));
  processor = await startTestProcessor({ sleepMs: SLEEP_MS });
});

after(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await processor.close();
  rmSync(directory, { recursive: true, force: true });
});

/** Starts `ratchet serve` on a free port; resolves with its base URL. */
async function serve(storage: string): Promise<{ base: string; stop: () => Promise<void> }> {
  const configPath = join(directory, `config-${children.length}.yaml`);
  writeFileSync(
    configPath,
    e2eConfigYaml({ processorUrl: processor.url, modernizerUrl: processor.modernizerUrl, storage }),
  );
  const child = spawn(process.execPath, [CLI, "serve", "--config", configPath], { stdio: "pipe" });
  children.push(child);
  let stdout = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const base = await waitFor("the listening line", () => /listening on (http:\/\/\S+)/.exec(stdout)?.[1], {
    timeoutMs: 15_000,
    intervalMs: 20,
  });
  return {
    base,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const callsReceived = () => processor.received.filter((call) => call.method === "ProcessCall").length;

test("idempotent retries after a client timeout produce one step; a retry in flight is 409, another body 422", async () => {
  const server = await serve(`  type: sqlite\n  path: ${join(directory, "idempotency.db")}`);
  try {
    const machines = `${server.base}/v1/namespaces/${NS}/machines`;
    const key = { "idempotency-key": '"retry-1"' };
    assert.equal(
      (await post(machines, { id: "m", args: "start" }, { "idempotency-key": "start-1" })).status,
      201,
    );
    const retriedStart = await post(machines, { id: "m", args: "start" }, { "idempotency-key": "start-1" });
    assert.equal(retriedStart.status, 201, "a retried start with its key answers as the first did");
    const before = callsReceived();
    // The client gives up long before the processor answers: a simulated client timeout.
    await assert.rejects(post(`${machines}/m/call`, { args: "sleep" }, key, AbortSignal.timeout(50)));
    const inFlight = await post(`${machines}/m/call`, { args: "sleep" }, key);
    assert.equal(inFlight.status, 409);
    assert.equal(inFlight.json.type, "urn:ratchet:problem:idempotency-key-in-flight");
    const replayed = await waitFor(
      "the first call to commit",
      async () => {
        const answer = await post(`${machines}/m/call`, { args: "sleep" }, key);
        return answer.status === 200 ? answer : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    assert.deepEqual(replayed.json, { response: "sleep" });
    assert.equal((await post(`${machines}/m/call`, { args: "sleep" }, key)).status, 200);
    const reused = await post(`${machines}/m/call`, { args: "nop" }, key);
    assert.equal(reused.status, 422);
    assert.equal(reused.json.type, "urn:ratchet:problem:idempotency-key-reused");
    assert.equal(callsReceived() - before, 1, "the processor ran the call once");
    const read = (await (await fetch(`${machines}/m`)).json()) as { events: { data: unknown }[] };
    assert.deepEqual(
      read.events.map((event) => event.data),
      [{ $bytes: Buffer.from("sleep").toString("base64") }],
      "one step's event",
    );
  } finally {
    await server.stop();
  }
});

test("/openapi.json validates as OpenAPI 3.1 and documents every endpoint", async () => {
  const server = await serve(`  type: sqlite\n  path: ${join(directory, "openapi.db")}`);
  try {
    const document = (await (await fetch(`${server.base}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    const validator = new Validator();
    const result = await validator.validate(document);
    assert.deepEqual(result.errors ?? [], [], "no validation errors");
    assert.equal(result.valid, true);
    assert.equal(validator.version, "3.1");
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    assert.deepEqual(operations.sort(), [
      "DELETE /v1/namespaces/{ns}/machines/{id}",
      "GET /v1/audit",
      "GET /v1/bulk/{id}",
      "GET /v1/bulk/{id}/outcomes",
      "GET /v1/namespaces",
      "GET /v1/namespaces/{ns}/bulk",
      "GET /v1/namespaces/{ns}/flow",
      "GET /v1/namespaces/{ns}/machines",
      "GET /v1/namespaces/{ns}/machines/{id}",
      "GET /v1/namespaces/{ns}/machines/{id}/notifications",
      "GET /v1/namespaces/{ns}/machines/{id}/steps",
      "GET /v1/outbox",
      "POST /v1/bulk/{id}/cancel",
      "POST /v1/namespaces/{ns}/bulk",
      "POST /v1/namespaces/{ns}/machines",
      "POST /v1/namespaces/{ns}/machines/{id}/call",
      "POST /v1/namespaces/{ns}/machines/{id}/notify",
      "POST /v1/namespaces/{ns}/machines/{id}/pause",
      "POST /v1/namespaces/{ns}/machines/{id}/repair",
      "POST /v1/namespaces/{ns}/machines/{id}/resume",
      "POST /v1/namespaces/{ns}/machines/{id}/retry-now",
      "POST /v1/namespaces/{ns}/machines/{id}/simple-repair",
    ]);
  } finally {
    await server.stop();
  }
});

/** 10,000 idle machines of namespace NS written straight into the schema, as steps would leave them. */
async function seedMachines(pool: pg.Pool, count: number, prefix: string): Promise<void> {
  await pool.query(
    `INSERT INTO ratchet.machines (namespace, machine_id, status, aux_state, last_event_id, created_at_us, updated_at_us)
     SELECT $1, $2 || lpad(n::text, 6, '0'), 'idle', '\\x'::bytea, 0, 0, 0 FROM generate_series(1, $3::integer) n`,
    [NS, prefix, count],
  );
}

test("a search paging through 10,000 machines while others are written sees each at most once", async () => {
  const template = await createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_api_tpl",
    schema: "ratchet",
    nowUs: 0,
  });
  let database: DisposableDatabase | undefined;
  try {
    database = await createDisposableDatabase(ADMIN_URL, { prefix: "ratchet_api", template: template.name });
    const pool = new pg.Pool({ connectionString: database.connectionString, max: 2 });
    pool.on("error", ignoreClosingConnectionError);
    const server = await serve(`  type: postgres\n  url: ${database.connectionString}`);
    try {
      await seedMachines(pool, 10_000, "m-");
      const machines = `${server.base}/v1/namespaces/${NS}/machines`;
      const seen: string[] = [];
      let cursor: string | null = null;
      let written = 0;
      do {
        const query: string = `?status=idle&limit=500${cursor === null ? "" : `&cursor=${cursor}`}`;
        const writes = Promise.all([
          post(machines, { id: `m-${String(written).padStart(6, "0")}x`, args: "start" }),
          pool.query("UPDATE ratchet.machines SET updated_at_us = updated_at_us + 1 WHERE machine_id = $1", [
            `m-${String(10_000 - written).padStart(6, "0")}`,
          ]),
        ]);
        const page = (await (await fetch(machines + query)).json()) as {
          machines: { id: string }[];
          next_cursor: string | null;
        };
        await writes;
        written += 1;
        seen.push(...page.machines.map((machine) => machine.id));
        cursor = page.next_cursor;
      } while (cursor !== null);
      assert.equal(new Set(seen).size, seen.length, "no machine is seen twice");
      const seeded = seen.filter((id) => /^m-\d{6}$/.test(id));
      assert.equal(seeded.length, 10_000, "every machine that existed throughout is seen");
      assert.ok(written >= 20, "machines were written while the search paged");
    } finally {
      await server.stop();
      await pool.end();
    }
  } finally {
    await database?.drop();
    await template.drop();
  }
});
