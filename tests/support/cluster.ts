/**
 * Helpers for tests that run several real Ratchet processes on one fresh PostgreSQL database: spawn and stop
 * nodes, start chain machines from the test process, and check every machine's history against its plan.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { RatchetNode } from "../../src/runtime/create-node.js";
import { createNode } from "../../src/runtime/create-node.js";
import type { ChainEvent, ChainPlan } from "./chain-processor.js";
import { CHAIN_NAMESPACE, chainNamespace, chainPayload, readChainPayload } from "./chain-processor.js";
import { waitFor } from "./wait.js";

const NODE_SCRIPT = fileURLToPath(new URL("./chain-node.js", import.meta.url));

export interface ChildNode {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Everything the node printed so far. */
  output(): string;
  stop(): Promise<void>;
}

export async function spawnNode(url: string, leaseMs: number, natsStream?: string): Promise<ChildNode> {
  const natsArgs = natsStream === undefined ? [] : ["--nats-stream", natsStream];
  const child = spawn(
    process.execPath,
    [NODE_SCRIPT, "--url", url, "--lease-ms", String(leaseMs), ...natsArgs],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  await waitFor("the node to be ready", () => output.includes("ready"), { timeoutMs: 15_000 });
  return {
    process: child,
    pid: child.pid as number,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGCONT");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A node in the test process that starts machines but runs no scheduled work. */
export async function starterNode(url: string, eventSinks: string[] = []): Promise<RatchetNode> {
  return createNode({
    storage: { kind: "postgres", url, poolSize: 4, migrate: false },
    namespaces: () => [chainNamespace(undefined, { eventSinks })],
    leaseDurationMs: 1000,
    schedulerEnabled: false,
  });
}

export async function startChains(node: RatchetNode, ids: readonly string[], plan: ChainPlan): Promise<void> {
  await Promise.all(ids.map((id) => node.engine.start(CHAIN_NAMESPACE, id, chainPayload(plan))));
}

/** Waits until every machine has run its whole plan. */
export async function waitForChains(
  node: RatchetNode,
  ids: readonly string[],
  target: number,
  timeoutMs: number,
) {
  await waitFor(
    `${ids.length} machines to reach step ${target}`,
    async () => {
      for (const id of ids) {
        const { record } = await node.engine.get(CHAIN_NAMESPACE, id, { limit: 0, direction: "forward" });
        if (record.lastEventId < target || record.timer !== null) return false;
      }
      return true;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/**
 * Checks one machine's history: ids 1..target without gap, step k in event k (so no step was committed twice),
 * not failed. Returns the pids that ran its steps.
 */
export async function checkChain(node: RatchetNode, id: string, target: number): Promise<Set<number>> {
  const snapshot = await node.engine.get(CHAIN_NAMESPACE, id);
  assert.equal(snapshot.status, "idle", `${id} finished without failing`);
  assert.equal(snapshot.record.lastEventId, target, `${id} has exactly ${target} events`);
  const pids = new Set<number>();
  for (const [index, event] of snapshot.history.entries()) {
    const body = readChainPayload<ChainEvent>(event.data);
    assert.equal(event.id, index + 1, `${id}: event ids are contiguous`);
    assert.equal(body.step, index + 1, `${id}: step ${index + 1} was committed once, in order`);
    pids.add(body.pid);
  }
  return pids;
}
