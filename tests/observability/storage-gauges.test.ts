/**
 * Proves the gauges read from storage at scrape time, and the two JSON API reads the console shows, on real
 * nodes: a node whose scheduler is off leaves a timer overdue and a notification pending, so their ages grow,
 * while failed and paused machines (which schedule nothing) never count; machines are counted by status;
 * `GET /v1/namespaces` counts the timers due in the next minute; `GET /v1/outbox` reports a real NATS sink's
 * pending, parked and lag. On PostgreSQL with 100,000 machines, EXPLAIN of each gauge's statement reads an index
 * and never scans a table.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import pg from "pg";
import { MachineFailedError, ProcessorFailedError } from "../../src/core/errors.js";
import { mountJsonApi } from "../../src/http/api/json-api.js";
import { createHttpServer } from "../../src/http/http-server.js";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import { pack, unpack } from "../../src/processors/payload.js";
import { createNode, type RatchetNode } from "../../src/runtime/create-node.js";
import { createNodeMetrics } from "../../src/runtime/metrics.js";
import { NatsSink } from "../../src/sinks/nats/nats-sink.js";
import {
  createDisposableDatabase,
  createMigratedTemplate,
  ignoreClosingConnectionError,
} from "../../src/storage/postgres/disposable-database.js";
import { quoteSchemaName } from "../../src/storage/postgres/schema-name.js";
import {
  countTimersDue,
  oldestOverdueTimer,
  oldestPendingNotification,
} from "../../src/storage/postgres/sql/due-work.js";
import { NATS_URL } from "../support/nats-stream.js";
import { waitFor } from "../support/wait.js";

/** "wait" sets a timer 50 ms ahead, "later" one 2 minutes ahead, "fail" fails the machine, "garbage" writes an event no sink format carries. */
const processor = localProcessor({
  init: () => ({}),
  call: ({ args }) => {
    const command = unpack(args);
    if (command === "fail") throw new ProcessorFailedError("failed on purpose");
    if (command === "wait") return { timer: timer.after(50), response: pack("ok") };
    if (command === "later") return { timer: timer.after(120_000), response: pack("ok") };
    const data = command === "garbage" ? new Uint8Array([0xff, 0xfe]) : pack(String(command));
    return { events: [{ data }], response: pack("ok") };
  },
  notification: () => ({}),
});

/** The value of one sample in Prometheus' text format, or undefined when absent. */
function sample(metrics: string, name: string, labels: string): number | undefined {
  const escaped = `${name}{${labels}}`.replace(/[{}"]/g, (character) => `\\${character}`);
  const line = new RegExp(`^${escaped} (\\S+)$`, "m").exec(metrics);
  return line?.[1] === undefined ? undefined : Number(line[1]);
}

async function serveApi(node: RatchetNode) {
  const nowUs = () => node.clock.nowUs();
  const http = createHttpServer({
    engine: node.engine,
    nowUs,
    mount: mountJsonApi({
      engine: node.engine,
      queries: node.storage,
      nowUs,
      bodyBytesMax: 1 << 20,
      outbox: { sinks: node.relays.map((relay) => relay.sink.name), store: node.storage },
    }),
  });
  const address = await http.listen(0, "127.0.0.1");
  return { http, base: `http://127.0.0.1:${address.port}` };
}

test("machines by status, the oldest overdue timer and the oldest pending notification are read at scrape time", async () => {
  const node = await createNode({
    storage: { kind: "sqlite", path: ":memory:" },
    schedulerEnabled: false,
    namespaces: () => [
      { name: "ops", processor },
      { name: "quiet", processor },
    ],
  });
  const { http, base } = await serveApi(node);
  try {
    const registry = createNodeMetrics(node);
    const scrape = () => registry.metrics();
    for (const id of ["waits", "later", "fails", "paused", "idle"])
      await node.engine.start("ops", id, pack(null));
    let metrics = await scrape();
    assert.equal(sample(metrics, "ratchet_oldest_overdue_timer_age_seconds", 'namespace="ops"'), 0);
    assert.equal(sample(metrics, "ratchet_oldest_pending_notification_age_seconds", 'namespace="ops"'), 0);
    await node.engine.call("ops", "waits", pack("wait"));
    await node.engine.call("ops", "later", pack("later"));
    await assert.rejects(node.engine.call("ops", "fails", pack("fail")), MachineFailedError);
    await node.engine.pause("ops", "paused", "held for the test");
    await node.engine.notify("ops", "fails", pack("to a failed machine"));
    await node.engine.notify("ops", "idle", pack("to a live machine"));

    metrics = await scrape();
    const machines = (namespace: string, status: string) =>
      sample(metrics, "ratchet_machines", `namespace="${namespace}",status="${status}"`);
    assert.deepEqual(
      ["idle", "waiting", "retrying", "paused", "failed"].map((status) => machines("ops", status)),
      [1, 2, 0, 1, 1],
    );
    assert.deepEqual(
      ["idle", "waiting", "retrying", "paused", "failed"].map((status) => machines("quiet", status)),
      [0, 0, 0, 0, 0],
    );
    const overdue = await waitFor("the 50 ms timer to be overdue", async () => {
      const age = sample(await scrape(), "ratchet_oldest_overdue_timer_age_seconds", 'namespace="ops"');
      return age !== undefined && age > 0 ? age : undefined;
    });
    assert.ok(overdue < 60, `only the 50 ms timer is overdue, not the 2 minute one (${overdue} s)`);
    const notificationAge = async () =>
      sample(await scrape(), "ratchet_oldest_pending_notification_age_seconds", 'namespace="ops"') ?? -1;
    const first = await notificationAge();
    assert.ok(first > 0, `the live machine's notification waits (${first} s)`);
    await waitFor("the age to grow", async () => (await notificationAge()) > first);
    metrics = await scrape();
    assert.equal(sample(metrics, "ratchet_oldest_overdue_timer_age_seconds", 'namespace="quiet"'), 0);
    assert.equal(sample(metrics, "ratchet_oldest_pending_notification_age_seconds", 'namespace="quiet"'), 0);

    const listed = (await (await fetch(`${base}/v1/namespaces`)).json()) as {
      namespaces: { name: string; timers_due_next_minute: number }[];
    };
    assert.deepEqual(
      listed.namespaces.map((namespace) => [namespace.name, namespace.timers_due_next_minute]),
      [
        ["ops", 1],
        ["quiet", 0],
      ],
      "the overdue timer counts, the one due in 2 minutes does not",
    );
    assert.deepEqual(await (await fetch(`${base}/v1/outbox`)).json(), { sinks: [] }, "a node without sinks");
  } finally {
    await http.close({ timeoutMs: 2000 });
    await node.close({ drainTimeoutMs: 2000 });
  }
});

test("GET /v1/outbox reports a real NATS sink's pending records, the oldest's lag and the parked ones", async () => {
  const stream = `outbox_route_${randomBytes(4).toString("hex")}`;
  const sink = new NatsSink({
    name: "nats",
    servers: NATS_URL,
    stream,
    subjectPrefix: stream,
    ackTimeoutMs: 2000,
  });
  const node = await createNode({
    storage: { kind: "sqlite", path: ":memory:" },
    namespaces: () => [{ name: "pay", processor, eventSinks: ["nats"] }],
    sinks: [sink],
  });
  const { http, base } = await serveApi(node);
  try {
    await node.engine.start("pay", "bad", pack(null));
    for (const args of ["one", "garbage", "three"]) await node.engine.call("pay", "bad", pack(args));
    const outbox = async () =>
      (
        (await (await fetch(`${base}/v1/outbox`)).json()) as {
          sinks: { name: string; pending: number; oldest_lag_ms: number | null; parked: number }[];
        }
      ).sinks;
    const [parked] = await waitFor("the rejected record to be parked", async () => {
      const sinks = await outbox();
      return sinks[0]?.parked === 1 ? sinks : undefined;
    });
    assert.equal(parked?.name, "nats");
    assert.equal(parked?.pending, 1, "the record after the parked one waits");
    assert.ok(typeof parked?.oldest_lag_ms === "number" && parked.oldest_lag_ms >= 0);
    const metrics = await createNodeMetrics(node).metrics();
    assert.equal(sample(metrics, "ratchet_outbox_parked_records", 'sink="nats"'), 1);
    const [record] = await node.storage.listParked({ sink: "nats", limit: 1 });
    assert.ok(record !== undefined);
    await node.storage.dropParked({ sink: "nats", positions: [record.position] });
    node.relays[0]?.wake();
    const drained = await waitFor("the waiting record to be published", async () => {
      const sinks = await outbox();
      return sinks[0]?.pending === 0 ? sinks : undefined;
    });
    assert.deepEqual(drained, [{ name: "nats", pending: 0, oldest_lag_ms: null, parked: 0 }]);
  } finally {
    await http.close({ timeoutMs: 2000 });
    await node.close({ drainTimeoutMs: 2000 });
  }
});

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SCHEMA = quoteSchemaName("ratchet");
const MACHINES = 100_000;
const T0 = 1_700_000_000_000_000;

function planNodeTypes(plan: Record<string, unknown>): string[] {
  const children = (plan.Plans as Record<string, unknown>[] | undefined) ?? [];
  return [String(plan["Node Type"]), ...children.flatMap(planNodeTypes)];
}

test("each gauge's statement reads an index at 100,000 machines, no sequential scan", async () => {
  const template = await createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_gauges_tpl",
    schema: "ratchet",
    nowUs: T0,
  });
  const database = await createDisposableDatabase(ADMIN_URL, {
    prefix: "ratchet_gauges",
    template: template.name,
  });
  const pool = new pg.Pool({ connectionString: database.connectionString, max: 1 });
  pool.on("error", ignoreClosingConnectionError);
  try {
    // 10% waiting on a timer, 1% failed, the rest idle, in two namespaces; a notification for every 20th machine.
    await pool.query(
      `INSERT INTO ${SCHEMA}.machines (namespace, machine_id, status, aux_state, last_event_id, timer, timer_due_at_us,
         due_at_us, failure, created_at_us, updated_at_us)
       SELECT ns, 'm-' || lpad(n::text, 6, '0'),
         CASE WHEN n % 100 = 0 THEN 'failed' WHEN n % 10 = 2 THEN 'waiting' ELSE 'idle' END, '\\x'::bytea, 1,
         CASE WHEN n % 10 = 2 THEN '{"range":{"direction":"forward"}}' END,
         CASE WHEN n % 10 = 2 THEN $1::bigint + n::bigint * 1000000 END,
         CASE WHEN n % 10 = 2 THEN $1::bigint + n::bigint * 1000000 END,
         CASE WHEN n % 100 = 0 THEN '{"reason":"x"}' END,
         $1::bigint, $1::bigint
       FROM generate_series(1, $2::integer) n, unnest(ARRAY['payments', 'other']) ns`,
      [T0, MACHINES],
    );
    await pool.query(
      `INSERT INTO ${SCHEMA}.notifications (namespace, notification_id, machine_id, args, range, created_at_us,
         due_at_us, attempt)
       SELECT namespace, 'n-' || machine_id, machine_id, '\\x'::bytea, '{}', created_at_us + 1, created_at_us + 1, 0
       FROM ${SCHEMA}.machines WHERE right(machine_id, 2)::integer % 20 = 0`,
    );
    await pool.query(`ANALYZE ${SCHEMA}.machines`);
    await pool.query(`ANALYZE ${SCHEMA}.notifications`);
    const statements = {
      "timers due": countTimersDue(SCHEMA, {
        namespace: "payments",
        dueBeforeUs: T0 + 60_000_000,
        cap: 10_000,
      }),
      "oldest overdue timer": oldestOverdueTimer(SCHEMA, { namespace: "payments", nowUs: T0 + 1e12 }),
      "oldest pending notification": oldestPendingNotification(SCHEMA, {
        namespace: "payments",
        candidatesMax: 1000,
      }),
    };
    for (const [name, statement] of Object.entries(statements)) {
      const explained = await pool.query({
        text: `EXPLAIN (FORMAT JSON) ${statement.text}`,
        values: statement.values,
      });
      const types = planNodeTypes(explained.rows[0]["QUERY PLAN"][0].Plan);
      assert.ok(!types.includes("Seq Scan"), `${name}: ${types.join(" > ")}`);
      assert.ok(
        types.some((type) => type.includes("Index")),
        `${name} reads an index: ${types.join(" > ")}`,
      );
    }
    const overdue = await pool.query(statements["oldest overdue timer"]);
    assert.equal(Number(overdue.rows[0].due_at_us), T0 + 2 * 1_000_000, "m-000002's timer is the earliest");
    const due = await pool.query(statements["timers due"]);
    assert.equal(due.rows[0].due, 6, "timers of m-000002 … m-000052 fall within the minute");
  } finally {
    await pool.end();
    await database.drop();
    await template.drop();
  }
});
