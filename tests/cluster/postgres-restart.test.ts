/**
 * PostgreSQL restarts in the middle of a run: two real nodes lose every connection, reconnect by themselves, and
 * every machine still completes with each step committed exactly once. The restart is a real one, through
 * pg_ctlcluster, on the server this machine runs.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import { promisify } from "node:util";
import {
  createDisposableDatabase,
  createMigratedTemplate,
} from "../../src/storage/postgres/disposable-database.js";
import { CHAIN_NAMESPACE } from "../support/chain-processor.js";
import type { ChildNode } from "../support/cluster.js";
import { checkChain, spawnNode, startChains, starterNode, waitForChains } from "../support/cluster.js";
import { waitFor } from "../support/wait.js";

const run = promisify(execFile);
const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function restartPostgres(): Promise<void> {
  const version = readdirSync("/etc/postgresql")[0] as string;
  await run("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "restart"], { timeout: 60_000 });
}

test("nodes carry on through a PostgreSQL restart without losing or repeating a committed step", async () => {
  const template = await createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_restart_tpl",
    schema: "ratchet",
    nowUs: Date.now() * 1000,
  });
  const database = await createDisposableDatabase(ADMIN_URL, {
    prefix: "ratchet_restart",
    template: template.name,
  });
  const nodes: ChildNode[] = [];
  try {
    nodes.push(
      await spawnNode(database.connectionString, 1000),
      await spawnNode(database.connectionString, 1000),
    );
    const starter = await starterNode(database.connectionString);
    const machines = Array.from({ length: 40 }, (_, index) => `restart-${index}`);
    try {
      await startChains(starter, machines, { target: 40, delayMs: 20 });
      await waitFor("steps before the restart", async () => {
        const snapshot = await starter.engine.get(CHAIN_NAMESPACE, machines[0] as string);
        return snapshot.record.lastEventId >= 5;
      });
      await restartPostgres();
      await waitForChains(starter, machines, 40, 90_000);
      for (const id of machines) await checkChain(starter, id, 40);
      for (const node of nodes) assert.equal(node.process.exitCode, null, "the node survived the restart");
    } finally {
      await starter.close();
    }
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
    await database.drop();
    await template.drop();
  }
});
