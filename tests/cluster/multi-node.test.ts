/**
 * Stateless nodes fenced by one PostgreSQL database, tested with real processes: three `ratchet` nodes share the
 * work of many machines; a node killed with SIGKILL mid-run loses nothing, its machines resume elsewhere after its
 * leases expire; a node frozen with SIGSTOP past its lease cannot commit when it wakes; a call reaching one node
 * while another holds the machine waits for it. After each run, every machine's history is checked: contiguous
 * ids, every step committed exactly once, the final state reached.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { DisposableDatabase } from "../../src/storage/postgres/disposable-database.js";
import {
  createDisposableDatabase,
  createMigratedTemplate,
} from "../../src/storage/postgres/disposable-database.js";
import { CHAIN_NAMESPACE, chainPayload } from "../support/chain-processor.js";
import type { ChildNode } from "../support/cluster.js";
import { checkChain, spawnNode, startChains, starterNode, waitForChains } from "../support/cluster.js";
import { waitFor } from "../support/wait.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
let template: DisposableDatabase;

before(async () => {
  template = await createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_cluster_tpl",
    schema: "ratchet",
    nowUs: Date.now() * 1000,
  });
});
after(() => template.drop());

/** A fresh database and the nodes of one test, all torn down whatever the outcome. */
async function withCluster(body: (url: string, nodes: ChildNode[]) => Promise<void>): Promise<void> {
  const database = await createDisposableDatabase(ADMIN_URL, {
    prefix: "ratchet_cluster",
    template: template.name,
  });
  const nodes: ChildNode[] = [];
  try {
    await body(database.connectionString, nodes);
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
    await database.drop();
  }
}

const ids = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => `${prefix}-${index}`);

test("three nodes share the machines of one database; every step commits exactly once", async () => {
  await withCluster(async (url, nodes) => {
    for (let index = 0; index < 3; index += 1) nodes.push(await spawnNode(url, 2000));
    const starter = await starterNode(url);
    try {
      const machines = ids("shared", 60);
      await startChains(starter, machines, { target: 20, delayMs: 5 });
      await waitForChains(starter, machines, 20, 60_000);
      const workers = new Set<number>();
      for (const id of machines) for (const pid of await checkChain(starter, id, 20)) workers.add(pid);
      const nodePids = nodes.map((node) => node.pid);
      const busyNodes = nodePids.filter((pid) => workers.has(pid));
      assert.ok(busyNodes.length >= 2, `steps ran on ${busyNodes.length} of 3 nodes`);
    } finally {
      await starter.close();
    }
  });
});

test("a node killed with SIGKILL mid-run: its machines resume on the others, nothing lost or duplicated", async () => {
  await withCluster(async (url, nodes) => {
    for (let index = 0; index < 3; index += 1) nodes.push(await spawnNode(url, 1000));
    const starter = await starterNode(url);
    try {
      const machines = ids("kill", 60);
      await startChains(starter, machines, { target: 40, delayMs: 10 });
      const victim = nodes[0] as ChildNode;
      await waitFor("the victim to run steps", async () => {
        const snapshot = await starter.engine.get(CHAIN_NAMESPACE, machines[0] as string);
        return snapshot.record.lastEventId >= 5;
      });
      victim.process.kill("SIGKILL");
      await waitForChains(starter, machines, 40, 60_000);
      for (const id of machines) await checkChain(starter, id, 40);
    } finally {
      await starter.close();
    }
  });
});

test("a node frozen past its lease cannot commit when it wakes; another node has taken over", async () => {
  await withCluster(async (url, nodes) => {
    const leaseMs = 600;
    nodes.push(await spawnNode(url, leaseMs), await spawnNode(url, leaseMs));
    const starter = await starterNode(url);
    try {
      // The slow step ends well before the deadline a lease of 600 ms allows (540 ms), so the node that takes over
      // completes it; the frozen node wakes long after its own deadline and lease.
      await startChains(starter, ["frozen"], { target: 6, delayMs: 30, slowStep: 3, slowMs: 300 });
      const stalled = await waitFor("a node to enter the slow step", () =>
        nodes.find((node) => node.output().includes("slow frozen")),
      );
      stalled.process.kill("SIGSTOP");
      const other = nodes.find((node) => node !== stalled) as ChildNode;
      await waitFor("the other node to take the machine over", () => other.output().includes("slow frozen"), {
        timeoutMs: 10_000,
      });
      await sleep(leaseMs);
      stalled.process.kill("SIGCONT");
      await waitForChains(starter, ["frozen"], 6, 20_000);
      await waitFor(
        "the woken node's commit to be refused",
        () => stalled.output().includes("error lease_lost"),
        {
          timeoutMs: 10_000,
        },
      );
      const pids = await checkChain(starter, "frozen", 6);
      assert.ok(pids.has(other.pid), "the node that took over committed steps");
    } finally {
      await starter.close();
    }
  });
});

test("a call on one node waits while another node holds the machine, then runs", async () => {
  await withCluster(async (url, nodes) => {
    nodes.push(await spawnNode(url, 5000));
    const starter = await starterNode(url);
    try {
      await startChains(starter, ["busy"], { target: 3, delayMs: 30, slowStep: 2, slowMs: 800 });
      await waitFor("the node to hold the machine", () => nodes[0]?.output().includes("slow busy"));
      const deadlineUs = starter.clock.nowUs() + 10_000_000;
      // The chain processor has no call handler: the call reaches it only after the slow step, and fails the
      // machine; what matters here is that it waited for the other node's step instead of overlapping it.
      await assert.rejects(
        starter.engine.call(CHAIN_NAMESPACE, "busy", chainPayload({}), { deadlineUs }),
        /no call handler/,
      );
      const snapshot = await starter.engine.get(CHAIN_NAMESPACE, "busy");
      assert.ok(snapshot.record.lastEventId >= 2, "the slow step committed before the call ran");
    } finally {
      await starter.close();
    }
  });
});
