/**
 * An audited action whose commit is fenced out writes no `ok` entry. Two engines share one SQLite file. Node A's
 * repair (actor alice) is held after its processor call while A's renewals fail, so its lease expires; node B's
 * simple repair (actor bob) takes the machine meanwhile. When A's repair goes on, its commit is refused: neither
 * its step nor an `ok` entry is written, and A records the action as `failed` with LeaseLostError.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LeaseLostError, StorageUnavailableError } from "../../src/core/errors.js";
import { FaultPoints } from "../../src/engine/fault-points.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { createCounterProcessor } from "../support/counter-processor.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";
import { withOverrides } from "../support/storage-overrides.js";
import { waitFor } from "../support/wait.js";

const NS = "counter";
const LEASE_MS = 300;

test("a repair fenced out by a stale lease writes no ok entry, only its failure", async () => {
  const folder = mkdtempSync(join(tmpdir(), "ratchet-audit-stale-"));
  const path = join(folder, "audit.db");
  const nowUs = () => Date.now() * 1000;
  const storageA = new SqliteStorage({ path, nowUs });
  const storageB = new SqliteStorage({ path, nowUs });
  const failingA = withOverrides(storageA, {
    renewLeases: async () => {
      throw new StorageUnavailableError("renewals fail on node A");
    },
  });
  const faults = new FaultPoints();
  const { processor } = createCounterProcessor();
  const namespaces = [{ name: NS, processor }];
  const nodeA = createTestEngine({
    namespaces,
    storage: failingA,
    leaseDurationMs: LEASE_MS,
    faults,
    owner: "a",
  });
  const nodeB = createTestEngine({ namespaces, storage: storageB, leaseDurationMs: LEASE_MS, owner: "b" });
  try {
    await nodeA.engine.start(NS, "m", json({}));
    await assert.rejects(nodeA.engine.call(NS, "m", json({ op: "fail" })));
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let paused = false;
    faults.arm("afterProcessorBeforeCommit", async ({ kind }) => {
      if (kind !== "repair") return;
      paused = true;
      await held;
    });
    const repairOfA = nodeA.engine.repair(NS, "m", json({ op: "ok" }), { actor: "alice" });
    await waitFor("A's repair is held before its commit", async () => paused);
    // B waits for A's lease to expire (its renewals fail), then takes the machine.
    await nodeB.engine.simpleRepair(NS, "m", { actor: "bob" });
    release();
    await assert.rejects(repairOfA, LeaseLostError);

    const entries = (await storageB.listAudit({ limit: 10 })).reverse();
    assert.deepEqual(
      entries.map((entry) => `${entry.action} ${entry.outcome} ${entry.actor}`),
      ["simple_repair ok bob", "repair failed alice"],
    );
    assert.match(entries[1]?.detail ?? "", /^LeaseLostError: /);
    const snapshot = await nodeB.engine.get(NS, "m");
    assert.equal(snapshot.status, "idle");
    assert.ok(
      snapshot.history.every((event) => JSON.stringify(parse(event.data)) !== '{"repaired":true}'),
      "the fenced repair's event was not written",
    );
  } finally {
    await nodeA.close();
    await nodeB.close();
    await storageA.close();
    await storageB.close();
    rmSync(folder, { recursive: true, force: true });
  }
});
