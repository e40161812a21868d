/**
 * A step commits only under the lease it started with (hole: a re-claim swapped the lease under a running
 * step). Two engines share one SQLite file. Node A's timer step is held before its commit while A's renewals
 * fail, so A's lease expires; node B claims the machine, commits a step that changes only the aux state and arms
 * a near timer, and stops; A's own scheduler then claims the machine again while A's first step still waits.
 * When that step goes on, its commit must be refused (it began under the old lease and computed from the old
 * record), and B's change must survive: every step's author is kept in the aux state, in order.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LeaseLostError, StorageUnavailableError } from "../../src/core/errors.js";
import { FaultPoints } from "../../src/engine/fault-points.js";
import type { NamespaceOptions } from "../../src/engine/namespace.js";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";
import { withOverrides } from "../support/storage-overrides.js";
import { waitFor } from "../support/wait.js";

const LEASE_MS = 300;

/** Each timer step appends its node's name to the aux state and arms the next timer 50 ms on, until 3 steps. */
function namespaceOf(node: string): NamespaceOptions {
  const authors = (data: Uint8Array) => (data.byteLength === 0 ? [] : parse<string[]>(data));
  return {
    name: "swap",
    processor: localProcessor({
      init: () => ({ auxState: { data: json([]) }, timer: timer.now() }),
      timer: ({ machine }) => {
        const next = [...authors(machine.auxState.data), node];
        return { auxState: { data: json(next) }, timer: next.length < 3 ? timer.after(50) : timer.unset() };
      },
    }),
    timerRetryPolicy: { backoff: { kind: "linear", initialIntervalMs: 20, incrementMs: 0 } },
  };
}

test("a re-claim does not swap the lease under a running step; the stale step's commit is refused", async () => {
  const folder = mkdtempSync(join(tmpdir(), "ratchet-swap-"));
  const path = join(folder, "swap.db");
  const sharedClock = { nowUs: () => Date.now() * 1000 };
  const storageA = new SqliteStorage({ path, nowUs: sharedClock.nowUs });
  let claimsOfA = 0;
  // A's scheduler claims nothing until B has run its step, so the order of the sequence is fixed.
  let claimsOpenOnA = false;
  const failingA = withOverrides(storageA, {
    renewLeases: async () => {
      throw new StorageUnavailableError("renewals fail on node A");
    },
    claimDueTimers: async (real, options) => {
      if (!claimsOpenOnA) return [];
      const claimed = await real.claimDueTimers(options);
      claimsOfA += claimed.length;
      return claimed;
    },
  });
  const faults = new FaultPoints();
  const errorsOfA: unknown[] = [];
  const nodeA = createTestEngine({
    namespaces: [namespaceOf("A")],
    storage: failingA,
    leaseDurationMs: LEASE_MS,
    faults,
    owner: "node-a",
    onError: (error) => errorsOfA.push(error),
  });
  let releaseA: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    releaseA = resolve;
  });
  let pausedA = false;
  faults.arm("afterProcessorBeforeCommit", async ({ kind }) => {
    if (kind !== "timer" || pausedA) return;
    pausedA = true;
    await held;
  });
  try {
    await nodeA.engine.start("swap", "m", json({}));
    await waitFor("A's first timer step to wait before its commit", () => pausedA);
    // A's lease runs out; B, a healthy node, takes the machine over and runs a step.
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 50));
    const storageB = new SqliteStorage({ path, nowUs: sharedClock.nowUs });
    const nodeB = createTestEngine({
      namespaces: [namespaceOf("B")],
      storage: storageB,
      leaseDurationMs: LEASE_MS,
      owner: "node-b",
    });
    await waitFor("B's step", async () => {
      const { record } = await nodeB.engine.get("swap", "m");
      return parse<string[]>(record.auxState.data).includes("B");
    });
    await nodeB.close();
    await storageB.close();
    claimsOpenOnA = true;
    await waitFor("A's scheduler to claim the machine again", () => claimsOfA > 0, { timeoutMs: 3000 });
    releaseA();
    await waitFor("three steps", async () => {
      const { record } = await nodeA.engine.get("swap", "m");
      return parse<string[]>(record.auxState.data).length === 3 && record.timer === null;
    });
    const { record } = await nodeA.engine.get("swap", "m");
    assert.deepEqual(parse(record.auxState.data), ["B", "A", "A"], "B's step survived; A went on from it");
    assert.ok(
      errorsOfA.some((error) => error instanceof LeaseLostError),
      "A's stale step was refused at its commit",
    );
  } finally {
    releaseA();
    await nodeA.close();
    await storageA.close();
    rmSync(folder, { recursive: true, force: true });
  }
});

test("a node that claims a machine whose step it still runs holds the claim instead of claiming again and again", async () => {
  // Found by the simulation (seed 1044): the claim was given back at once, the scheduler claimed the machine
  // again at once, and so on for as long as the step ran: a write per round trip, and no time for anything else.
  const storage = new SqliteStorage({ path: ":memory:", nowUs: () => Date.now() * 1000 });
  let claims = 0;
  const failing = withOverrides(storage, {
    renewLeases: async () => {
      throw new StorageUnavailableError("renewals fail");
    },
    claimDueTimers: async (real, options) => {
      const claimed = await real.claimDueTimers(options);
      claims += claimed.length;
      return claimed;
    },
  });
  const faults = new FaultPoints();
  const node = createTestEngine({
    namespaces: [namespaceOf("A")],
    storage: failing,
    leaseDurationMs: LEASE_MS,
    faults,
    owner: "node-a",
    onError: () => {},
  });
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let paused = false;
  faults.arm("afterProcessorBeforeCommit", async ({ kind }) => {
    if (kind !== "timer" || paused) return;
    paused = true;
    await held;
  });
  try {
    await node.engine.start("swap", "m", json({}));
    await waitFor("the first timer step to wait before its commit", () => paused);
    // The step waits for three lease durations after its lease ran out: about three claims, not thousands.
    await new Promise((resolve) => setTimeout(resolve, 4 * LEASE_MS));
    const claimsWhileHeld = claims;
    release();
    await waitFor("three steps", async () => {
      const { record } = await node.engine.get("swap", "m");
      return parse<string[]>(record.auxState.data).length === 3 && record.timer === null;
    });
    assert.ok(claimsWhileHeld >= 1, "the machine was claimed once its lease ran out");
    assert.ok(claimsWhileHeld <= 5, `claimed ${claimsWhileHeld} times while its step ran`);
  } finally {
    release();
    await node.close();
    await storage.close();
  }
});
