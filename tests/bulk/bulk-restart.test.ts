/**
 * A bulk run survives its node, on SQLite (a file two nodes share) and on PostgreSQL: the node driving a run is
 * stopped mid-run (closed, or killed with SIGKILL in a process of its own), and another node takes the run over
 * (at once after a close, which releases it; after its lease runs out after a kill) and finishes it. No machine
 * is acted on twice: each has one outcome, and its journal holds at most one simple repair — exactly one when
 * its outcome is ok; the one a killed node may have been acting on is recorded as bulk-result-unknown, not acted
 * on again.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { RatchetNode } from "../../src/runtime/create-node.js";
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
import { waitFor } from "../support/wait.js";
import { type BulkAdapter, type BulkStorage, postgresAdapter, sqliteAdapter } from "./adapters.js";

const CHILD_SCRIPT = fileURLToPath(new URL("../support/bulk-child-node.js", import.meta.url));
const MACHINES = 120;
const RATE = 60;

async function startRun(baseUrl: string): Promise<string> {
  const started = await api(baseUrl, "POST", `/v1/namespaces/${PAYMENTS}/bulk`, {
    action: "simple_repair",
    filter: { status: "failed", id_prefix: "r-" },
    rate_per_second: RATE,
  });
  assert.equal(started.status, 202);
  return String(started.body.id);
}

/** One outcome per machine; no machine acted on twice; every ok machine repaired once and idle. */
async function checkEachOnce(baseUrl: string, node: RatchetNode, runId: string, ids: readonly string[]) {
  const outcomes = await allOutcomes(baseUrl, runId);
  assert.deepEqual(
    outcomes.map((outcome) => outcome.machine_id),
    ids,
    "one outcome per machine",
  );
  const unknown = outcomes.filter((outcome) => outcome.outcome !== "ok");
  assert.ok(unknown.length <= 1, `at most the machine in flight is not ok: ${JSON.stringify(unknown)}`);
  for (const outcome of unknown) assert.equal(outcome.error_type, "urn:ratchet:problem:bulk-result-unknown");
  for (const outcome of outcomes) {
    const repairs = await stepsOfKind(node, outcome.machine_id, "simple_repair");
    if (outcome.outcome === "ok") {
      assert.equal(repairs, 1, `${outcome.machine_id} repaired once`);
      assert.equal(await statusOf(node, outcome.machine_id), "idle");
    } else assert.ok(repairs <= 1, `${outcome.machine_id} repaired at most once`);
  }
  return unknown.length;
}

async function spawnChild(storage: BulkStorage) {
  const child = spawn(process.execPath, [CHILD_SCRIPT, JSON.stringify(storage.choice)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  await waitFor("the child node to be ready", () => output.includes("ready"), { timeoutMs: 15_000 });
  return {
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
    output: () => output,
  };
}

for (const adapter of [sqliteAdapter(), postgresAdapter()] as BulkAdapter[]) {
  describe(`a bulk run survives its node on ${adapter.name}`, () => {
    after(() => adapter.close());

    test("the node driving a run is closed mid-run; another takes it over and finishes, no machine acted on twice", async () => {
      const storage = await adapter.create();
      const first = await startBulkNode(storage.choice);
      let second: BulkNode | undefined;
      try {
        const ids = await failedMachines(first.node, "r", MACHINES);
        const runId = await startRun(first.baseUrl);
        await waitForRun(first.baseUrl, runId, (run) => Number(run.done) >= 30);
        second = await startBulkNode(storage.choice);
        await first.close();
        const stopped = (await api(second.baseUrl, "GET", `/v1/bulk/${runId}`)).body;
        assert.ok(Number(stopped.done) < MACHINES, "the first node stopped mid-run");
        await waitForRun(second.baseUrl, runId, (run) => run.status === "done", 30_000);
        assert.equal(
          await checkEachOnce(second.baseUrl, second.node, runId, ids),
          0,
          "a close loses no outcome",
        );
      } finally {
        await first.close().catch(() => undefined);
        await second?.close();
        await storage.dispose();
      }
    });

    test("the node driving a run is killed with SIGKILL; another takes it over after the lease, no machine acted on twice", async () => {
      const storage = await adapter.create();
      // This node starts the run and reads it; it drives none (no runner), so the child takes the run.
      const reader = await startBulkNode(storage.choice, { runner: false });
      let taker: BulkNode | undefined;
      const child = await spawnChild(storage);
      try {
        const ids = await failedMachines(reader.node, "r", MACHINES);
        const runId = await startRun(reader.baseUrl);
        await waitForRun(reader.baseUrl, runId, (run) => Number(run.done) >= 30);
        await child.kill();
        const killed = (await api(reader.baseUrl, "GET", `/v1/bulk/${runId}`)).body;
        assert.ok(Number(killed.done) < MACHINES, "the child was killed mid-run");
        taker = await startBulkNode(storage.choice);
        await waitForRun(taker.baseUrl, runId, (run) => run.status === "done", 30_000);
        await checkEachOnce(taker.baseUrl, taker.node, runId, ids);
      } catch (error) {
        throw new Error(`${(error as Error).message}\nchild output:\n${child.output()}`, { cause: error });
      } finally {
        await child.kill();
        await taker?.close();
        await reader.close();
        await storage.dispose();
      }
    });
  });
}
