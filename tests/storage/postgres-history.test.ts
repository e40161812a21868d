/**
 * Reading the last N events walks the events primary key whatever the history's length: a machine with 100,000
 * events and one with 10 are read with the adapter's own statement under EXPLAIN, with custom and generic
 * plans, and both must be an index scan on events_pkey (no Seq Scan on events) touching a few pages.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import {
  createDisposableDatabase,
  ignoreClosingConnectionError,
} from "../../src/storage/postgres/disposable-database.js";
import { PostgresStorage } from "../../src/storage/postgres/postgres-storage.js";
import { quoteSchemaName } from "../../src/storage/postgres/schema-name.js";
import { readEvents } from "../../src/storage/postgres/sql/events.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const LONG_HISTORY = 100_000;
const SHORT_HISTORY = 10;
const LAST_N = 10;
/** Index descent (3 levels at 100k rows) + one or two heap pages + the machine's row: far below a scan. */
const PAGES_MAX = 24;

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

test("the last N events of a 100,000-event history are read by an index range scan, like those of a short one", async () => {
  const database = await createDisposableDatabase(ADMIN_URL, { prefix: "ratchet_history" });
  const pool = new pg.Pool({ connectionString: database.connectionString, max: 1 });
  pool.on("error", ignoreClosingConnectionError);
  try {
    const storage = await PostgresStorage.open({
      connectionString: database.connectionString,
      poolSize: 1,
      statementTimeoutMs: 60_000,
      applicationName: "ratchet-history-test",
      nowUs: () => 1,
      migrate: true,
    });
    await storage.close();
    for (const [machineId, count] of [
      ["long", LONG_HISTORY],
      ["short", SHORT_HISTORY],
    ] as const) {
      // Written directly: the subject is the read path, and 100,000 steps through commit would only add time.
      await pool.query(
        `INSERT INTO ratchet.machines (namespace, machine_id, status, aux_state, last_event_id, created_at_us, updated_at_us)
         VALUES ('ns', $1, 'idle', '\\x', $2, 1, 1)`,
        [machineId, count],
      );
      await pool.query(
        `INSERT INTO ratchet.events (namespace, machine_id, event_id, created_at_us, data)
         SELECT 'ns', $1, id, id, convert_to('event ' || id, 'UTF8') FROM generate_series(1, $2::bigint) id`,
        [machineId, count],
      );
    }
    await pool.query("ANALYZE ratchet.events; ANALYZE ratchet.machines");
    const schema = quoteSchemaName("ratchet");
    for (const planCacheMode of ["force_custom_plan", "force_generic_plan"]) {
      await pool.query(`SET plan_cache_mode = ${planCacheMode}`);
      for (const [machineId, count] of [
        ["long", LONG_HISTORY],
        ["short", SHORT_HISTORY],
      ] as const) {
        const span = { from: count, to: count - LAST_N + 1, direction: "backward" as const, count: LAST_N };
        const { text, values } = readEvents(schema, { namespace: "ns", machineId, span });
        // PREPARE/EXECUTE so plan_cache_mode decides between a custom and a generic plan. EXPLAIN takes no
        // protocol parameters, so the test's own constants are written as literals here.
        await pool.query(`PREPARE last_events (text, text, bigint, bigint, bigint) AS ${text}`);
        const literals = (values ?? []).map((value) => pg.escapeLiteral(String(value))).join(", ");
        const explained = await pool.query(
          `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE last_events (${literals})`,
        );
        await pool.query("DEALLOCATE last_events");
        const plan = explained.rows[0]["QUERY PLAN"][0].Plan as PlanNode;
        const nodes = nodesOf(plan);
        const where = `${machineId} history, ${planCacheMode}`;
        assert.ok(
          nodes.some((node) => node["Node Type"] === "Index Scan" && node["Index Name"] === "events_pkey"),
          `${where}: an index scan on events_pkey, got ${JSON.stringify(nodes.map((node) => node["Node Type"]))}`,
        );
        // The machines table holds two rows here, so the planner rightly reads its one page whole.
        assert.ok(
          !nodes.some((node) => node["Node Type"] === "Seq Scan" && node["Relation Name"] === "events"),
          `${where}: no Seq Scan on events`,
        );
        const touched = (plan["Shared Hit Blocks"] ?? 0) + (plan["Shared Read Blocks"] ?? 0);
        assert.ok(touched <= PAGES_MAX, `${where}: ${touched} pages touched`);
      }
    }
    const reader = await PostgresStorage.open({
      connectionString: database.connectionString,
      poolSize: 1,
      statementTimeoutMs: 60_000,
      applicationName: "ratchet-history-test",
      nowUs: () => 1,
      migrate: false,
    });
    try {
      const last = await reader.readEvents("ns", "long", {
        from: LONG_HISTORY,
        to: LONG_HISTORY - LAST_N + 1,
        direction: "backward",
        count: LAST_N,
      });
      assert.deepEqual(
        last.map((event) => event.id),
        Array.from({ length: LAST_N }, (_, index) => LONG_HISTORY - index),
      );
    } finally {
      await reader.close();
    }
  } finally {
    await pool.end();
    await database.drop();
  }
});
