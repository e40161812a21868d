/**
 * Machine search is backed by indexes on PostgreSQL: with 100,000 machines of mixed statuses, timers and change
 * times, after ANALYZE, EXPLAIN of every search shape and of the status counts shows no sequential scan.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import type { MachineSearch } from "../../src/storage/operator-queries.js";
import {
  createDisposableDatabase,
  createMigratedTemplate,
  ignoreClosingConnectionError,
} from "../../src/storage/postgres/disposable-database.js";
import { quoteSchemaName } from "../../src/storage/postgres/schema-name.js";
import { countMachinesByStatus, searchMachines } from "../../src/storage/postgres/sql/search.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SCHEMA = quoteSchemaName("ratchet");
const NS = "payments";
const MACHINES = 100_000;
const T0 = 1_700_000_000_000_000;

/** Every plan node, depth first. */
function planNodes(plan: Record<string, unknown>): Record<string, unknown>[] {
  const children = (plan.Plans as Record<string, unknown>[] | undefined) ?? [];
  return [plan, ...children.flatMap(planNodes)];
}

const SEARCHES: Record<string, MachineSearch> = {
  "failed machines": { status: "failed", limit: 50 },
  "failed machines, next page": { status: "failed", afterId: "m-050000", limit: 50 },
  "retrying machines": { status: "retrying", limit: 50 },
  "working machines": { status: "working", limit: 50 },
  "all machines": { limit: 50 },
  "an id prefix": { idPrefix: "m-0421", limit: 50 },
  "failed with an id prefix": { status: "failed", idPrefix: "m-04", limit: 50 },
  "timers due before": { timerDueBeforeUs: T0 + 1_000_000, limit: 50 },
  "updated since": { updatedSinceUs: T0 + (MACHINES - 500) * 1_000, limit: 50 },
  "waiting, updated since": { status: "waiting", updatedSinceUs: T0 + (MACHINES - 5_000) * 1_000, limit: 50 },
};

test("every machine search and the status counts use indexes at 100,000 machines, no sequential scan", async () => {
  const template = await createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_plans_tpl",
    schema: "ratchet",
    nowUs: T0,
  });
  const database = await createDisposableDatabase(ADMIN_URL, {
    prefix: "ratchet_plans",
    template: template.name,
  });
  const pool = new pg.Pool({ connectionString: database.connectionString, max: 1 });
  pool.on("error", ignoreClosingConnectionError);
  try {
    // 1% failed, 1% retrying, 10% waiting on a timer, the rest idle; a second namespace of the same size.
    await pool.query(
      `INSERT INTO ${SCHEMA}.machines (namespace, machine_id, status, aux_state, last_event_id, timer, timer_due_at_us,
         due_at_us, created_at_us, updated_at_us)
       SELECT ns, 'm-' || lpad(n::text, 6, '0'),
         CASE WHEN n % 100 = 0 THEN 'failed' WHEN n % 100 = 1 THEN 'retrying' WHEN n % 10 = 2 THEN 'waiting' ELSE 'idle' END,
         '\\x'::bytea, 1,
         CASE WHEN n % 10 = 2 THEN '{"range":{"direction":"forward"}}' END,
         CASE WHEN n % 10 = 2 THEN $1::bigint + n::bigint * 1000000 END,
         CASE WHEN n % 10 = 2 THEN $1::bigint + n::bigint * 1000000 END,
         $1::bigint, $1::bigint + n::bigint * 1000
       FROM generate_series(1, $2::integer) n, unnest(ARRAY[$3::text, 'other']) ns`,
      [T0, MACHINES, NS],
    );
    await pool.query(`ANALYZE ${SCHEMA}.machines`);
    const plans: Record<string, unknown>[] = [];
    for (const [name, search] of Object.entries(SEARCHES)) {
      const statement = searchMachines(SCHEMA, NS, search);
      const explained = await pool.query({
        text: `EXPLAIN (FORMAT JSON) ${statement.text}`,
        values: statement.values,
      });
      plans.push({ name, plan: explained.rows[0]["QUERY PLAN"][0].Plan });
    }
    const counts = countMachinesByStatus(SCHEMA, { namespace: NS, capPerStatus: 10_000 });
    const explainedCounts = await pool.query({
      text: `EXPLAIN (FORMAT JSON) ${counts.text}`,
      values: counts.values,
    });
    plans.push({ name: "status counts", plan: explainedCounts.rows[0]["QUERY PLAN"][0].Plan });
    for (const { name, plan } of plans as { name: string; plan: Record<string, unknown> }[]) {
      const types = planNodes(plan).map((node) => String(node["Node Type"]));
      assert.ok(!types.includes("Seq Scan"), `${name}: ${types.join(" > ")}`);
      assert.ok(
        types.some((type) => type.includes("Index")),
        `${name} reads an index: ${types.join(" > ")}`,
      );
    }
    const found = await pool.query(searchMachines(SCHEMA, NS, { status: "failed", limit: 3 }));
    assert.deepEqual(
      found.rows.map((row) => row.machine_id),
      ["m-000100", "m-000200", "m-000300"],
    );
  } finally {
    await pool.end();
    await database.drop();
    await template.drop();
  }
});
