/**
 * Bulk operations through the JSON API of a real node on a real socket, on SQLite and on PostgreSQL: a dry run
 * counts and changes nothing; bad input is refused with a problem and starts nothing; a repair of 200 machines
 * records each machine's outcome (the ones not failed refused with their problem type) and acts on each once;
 * the rate holds (read from the outcomes' instants); a cancel stops the run before its next machine.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { parseTimestampUs } from "../../src/core/time.js";
import { pack } from "../../src/processors/payload.js";
import {
  allOutcomes,
  api,
  type BulkNode,
  failedMachines,
  PAYMENTS,
  startBulkNode,
  statusOf,
  stepsOfKind,
  waitForRun,
} from "../support/bulk-node.js";
import { type BulkAdapter, postgresAdapter, sqliteAdapter } from "./adapters.js";

const BULK = `/v1/namespaces/${PAYMENTS}/bulk`;
const instantUs = (text: unknown) => parseTimestampUs(String(text), "at", { requireUtc: true });

function withNode(adapter: BulkAdapter, name: string, body: (node: BulkNode) => Promise<void>): void {
  test(name, async () => {
    const storage = await adapter.create();
    const node = await startBulkNode(storage.choice);
    try {
      await body(node);
    } finally {
      await node.close();
      await storage.dispose();
    }
  });
}

for (const adapter of [sqliteAdapter(), postgresAdapter()]) {
  describe(`bulk runs on ${adapter.name}`, () => {
    after(() => adapter.close());

    withNode(
      adapter,
      "a dry run counts what the search selects and changes nothing",
      async ({ baseUrl, node }) => {
        const failed = await failedMachines(node, "dry", 12);
        await node.engine.start(PAYMENTS, "dry-idle", pack({ amount: 1 }));
        const counted = await api(baseUrl, "POST", BULK, {
          action: "simple_repair",
          filter: { status: "failed", id_prefix: "dry-" },
          dry_run: true,
        });
        assert.equal(counted.status, 200);
        assert.deepEqual(counted.body, { dry_run: true, selected: 12, selected_capped_at: 1_000_000 });
        const everything = await api(baseUrl, "POST", BULK, { action: "resume", filter: {}, dry_run: true });
        assert.equal(everything.body.selected, 13);
        assert.deepEqual((await api(baseUrl, "GET", BULK)).body, { bulk: [] });
        for (const id of failed) {
          assert.equal(await statusOf(node, id), "failed");
          assert.equal(await stepsOfKind(node, id, "simple_repair"), 0);
        }
      },
    );

    withNode(
      adapter,
      "bad input is refused with a problem and starts nothing; an unknown run is bulk-not-found",
      async ({ baseUrl, node }) => {
        await failedMachines(node, "bad", 2);
        const refusals: [unknown, string][] = [
          [{ action: "explode", filter: {} }, "json.action"],
          [{ action: "repair" }, "json.filter"],
          [{ action: "repair", filter: { colour: "red" } }, "json.filter"],
          [{ action: "repair", filter: { status: "broken" } }, "json.filter.status"],
          [{ action: "repair", filter: { updated_since: "yesterday" } }, "filter.updated_since"],
          [{ action: "repair", filter: {}, rate_per_second: 0 }, "json.rate_per_second"],
          [{ action: "repair", filter: {}, rate_per_second: 1_000_000 }, "rate_per_second"],
          [{ action: "repair", filter: {}, rate_per_second: "fast" }, "json.rate_per_second"],
          [{ action: "simple_repair", filter: {}, args: { why: "no" } }, "args"],
        ];
        for (const [body, field] of refusals) {
          const refused = await api(baseUrl, "POST", BULK, body);
          assert.equal(refused.status, 400, JSON.stringify(body));
          assert.equal(refused.headers.get("content-type"), "application/problem+json");
          assert.equal(refused.body.type, "urn:ratchet:problem:invalid-request");
          assert.equal(refused.body.field, field, JSON.stringify(body));
        }
        const unknownNamespace = await api(baseUrl, "POST", "/v1/namespaces/nope/bulk", {
          action: "resume",
          filter: {},
        });
        assert.equal(unknownNamespace.status, 404);
        assert.equal(unknownNamespace.body.type, "urn:ratchet:problem:namespace-not-found");
        assert.deepEqual((await api(baseUrl, "GET", BULK)).body, { bulk: [] }, "nothing started");
        for (const [method, path] of [
          ["GET", "/v1/bulk/absent"],
          ["GET", "/v1/bulk/absent/outcomes"],
          ["POST", "/v1/bulk/absent/cancel"],
        ] as const) {
          const missing = await api(baseUrl, method, path);
          assert.equal(missing.status, 404, path);
          assert.equal(missing.body.type, "urn:ratchet:problem:bulk-not-found", path);
        }
      },
    );

    withNode(
      adapter,
      "a repair of 200 machines records each outcome: failed ones repaired once, the others refused with their problem type",
      async ({ baseUrl, node }) => {
        const failed = await failedMachines(node, "m", 150);
        const working: string[] = [];
        for (let index = 150; index < 200; index += 1) {
          const id = `m-${String(index).padStart(4, "0")}`;
          await node.engine.start(PAYMENTS, id, pack({ amount: 1 }));
          working.push(id);
        }
        const started = await api(baseUrl, "POST", BULK, {
          action: "repair",
          filter: { id_prefix: "m-" },
          args: { op: "ok" },
          rate_per_second: 2000,
        });
        assert.equal(started.status, 202);
        assert.equal(started.headers.get("location"), `/v1/bulk/${started.body.id}`);
        assert.equal(started.body.selected, 200);
        assert.equal(started.body.actor, "anonymous");
        const runId = String(started.body.id);
        const done = await waitForRun(baseUrl, runId, (run) => run.status === "done", 60_000);
        assert.deepEqual([done.done, done.succeeded, done.failed, done.skipped], [200, 150, 50, 0]);
        const outcomes = await allOutcomes(baseUrl, runId);
        assert.deepEqual(
          outcomes.map((outcome) => outcome.machine_id),
          [...failed, ...working],
          "one outcome per machine, in id order",
        );
        for (const outcome of outcomes.slice(0, 150)) assert.equal(outcome.outcome, "ok");
        for (const outcome of outcomes.slice(150)) {
          assert.equal(outcome.outcome, "failed");
          assert.equal(outcome.error_type, "urn:ratchet:problem:machine-already-working");
          assert.match(outcome.detail ?? "", /m-0\d{3}/);
        }
        for (const id of failed) {
          assert.equal(await statusOf(node, id), "idle");
          assert.equal(await stepsOfKind(node, id, "repair"), 1, `${id} repaired once`);
        }
        for (const id of working) assert.equal(await stepsOfKind(node, id, "repair"), 0);
        const listed = await api<{ bulk: { id: string }[] }>(baseUrl, "GET", BULK);
        assert.deepEqual(
          listed.body.bulk.map((run) => run.id),
          [runId],
        );
      },
    );

    withNode(
      adapter,
      "the rate holds: 30 machines at 20 per second take at least 1.45 s from the start",
      async ({ baseUrl, node }) => {
        await failedMachines(node, "pace", 30);
        const started = await api(baseUrl, "POST", BULK, {
          action: "simple_repair",
          filter: { status: "failed" },
          rate_per_second: 20,
        });
        const runId = String(started.body.id);
        const done = await waitForRun(baseUrl, runId, (run) => run.status === "done");
        const outcomes = await allOutcomes(baseUrl, runId);
        assert.equal(outcomes.length, 30);
        // A bucket of one token: the k-th machine starts no sooner than k/rate after the first token, itself taken
        // after the run was created.
        const lastUs = Math.max(...outcomes.map((outcome) => instantUs(outcome.at)));
        assert.ok(
          lastUs - instantUs(done.created_at) >= (29 / 20) * 1_000_000,
          "29 intervals of 50 ms at least",
        );
        const sorted = outcomes.map((outcome) => instantUs(outcome.at)).sort((a, b) => a - b);
        for (let index = 10; index < sorted.length; index += 1) {
          const tenAgo = sorted[index - 10] as number;
          assert.ok((sorted[index] as number) - tenAgo >= 9 * 50_000, "no ten machines within 450 ms");
        }
      },
    );

    withNode(
      adapter,
      "a cancel stops the run before its next machine; the rest stay as they were",
      async ({ baseUrl, node }) => {
        const ids = await failedMachines(node, "stop", 60);
        const started = await api(baseUrl, "POST", BULK, {
          action: "simple_repair",
          filter: { status: "failed" },
          rate_per_second: 10,
        });
        const runId = String(started.body.id);
        await waitForRun(baseUrl, runId, (run) => Number(run.done) >= 3);
        const cancelled = await api(baseUrl, "POST", `/v1/bulk/${runId}/cancel`);
        assert.equal(cancelled.status, 200);
        assert.equal(cancelled.body.status, "cancelled");
        await sleep(800);
        const settled = (await api(baseUrl, "GET", `/v1/bulk/${runId}`)).body;
        await sleep(500);
        const later = (await api(baseUrl, "GET", `/v1/bulk/${runId}`)).body;
        assert.equal(later.done, settled.done, "no machine after the cancel took effect");
        assert.ok(Number(later.done) < 60, "the run stopped early");
        const statuses = await Promise.all(ids.map((id) => statusOf(node, id)));
        assert.equal(statuses.filter((status) => status === "idle").length, later.done);
        assert.equal(statuses.filter((status) => status === "failed").length, 60 - Number(later.done));
        const again = await api(baseUrl, "POST", `/v1/bulk/${runId}/cancel`);
        assert.equal(again.body.status, "cancelled", "cancelling again changes nothing");
      },
    );
  });
}
