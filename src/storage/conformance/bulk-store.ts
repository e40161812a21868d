/**
 * Conformance cases of the bulk store: runs stored, read and listed; outcomes paged in machine id order; one
 * holder per run, taken over after its lease expires with a new epoch; a stale holder records nothing after the
 * takeover; an outcome recorded once per machine; cancel and done end the claims. Registered by
 * `runStorageConformance`, so every adapter runs them.
 */
import assert from "node:assert/strict";
import type { BulkOutcomeKind } from "../../core/bulk.js";
import { BulkRunLeaseLostError } from "../../core/errors.js";
import type { BulkRunLease, NewBulkRun } from "../bulk-store.js";
import type { Storage } from "../storage.js";
import type { WithStorage } from "./index.js";
import { NS, SECOND, T0 } from "./support.js";

const LEASE = 10 * SECOND;

function newRun(id: string, patch: Partial<NewBulkRun> = {}): NewBulkRun {
  return {
    id,
    namespace: NS,
    action: "repair",
    filter: { status: "failed", idPrefix: "pay-", updatedSinceUs: T0 },
    args: Uint8Array.from([0x92, 0x01, 0x02]),
    ratePerSecond: 25.5,
    selected: 3,
    actor: "operator",
    nowUs: T0,
    ...patch,
  };
}

const outcome = (machineId: string, kind: BulkOutcomeKind = "ok", atUs = T0 + SECOND) => ({
  machineId,
  outcome: kind,
  errorCode: kind === "ok" ? null : "machine_already_working",
  detail: kind === "ok" ? null : "not failed",
  atUs,
});

async function claim(storage: Storage, owner: string, nowUs: number) {
  return storage.bulkRuns.claimBulkRun({ namespaces: [NS], owner, nowUs, untilUs: nowUs + LEASE });
}

async function claimed(storage: Storage, owner: string, nowUs: number) {
  const taken = await claim(storage, owner, nowUs);
  assert.ok(taken !== null, `${owner} takes a run at ${nowUs}`);
  return taken;
}

async function record(storage: Storage, lease: BulkRunLease, machineId: string, kind?: BulkOutcomeKind) {
  await storage.bulkRuns.recordBulkOutcome(lease, { outcome: outcome(machineId, kind), untilUs: T0 + LEASE });
}

export function registerBulkStoreCases(withStorage: WithStorage): void {
  withStorage(
    "a bulk run is stored as given, read back, listed newest first, claimed by a node of its namespace",
    async (storage) => {
      const first = await storage.bulkRuns.createBulkRun(newRun("run-1"));
      await storage.bulkRuns.createBulkRun(
        newRun("run-2", { nowUs: T0 + SECOND, action: "simple_repair", args: null }),
      );
      await storage.bulkRuns.createBulkRun(newRun("elsewhere", { namespace: "other" }));
      const { nowUs: _nowUs, ...given } = newRun("run-1");
      assert.deepEqual(first, {
        ...given,
        status: "running",
        cursor: null,
        inFlightMachineId: null,
        succeeded: 0,
        failed: 0,
        skipped: 0,
        createdAtUs: T0,
        updatedAtUs: T0,
      });
      assert.deepEqual(await storage.bulkRuns.readBulkRun("run-1"), first);
      assert.equal(await storage.bulkRuns.readBulkRun("absent"), null);
      const elsewhere = await storage.bulkRuns.claimBulkRun({
        namespaces: ["other"],
        owner: "node-a",
        nowUs: T0,
        untilUs: T0 + LEASE,
      });
      assert.equal(elsewhere?.run.id, "elsewhere", "a node claims runs of its namespaces only");
      const listed = await storage.bulkRuns.listBulkRuns(NS, { limit: 10 });
      assert.deepEqual(
        listed.map((run) => [run.id, run.args]),
        [
          ["run-2", null],
          ["run-1", Uint8Array.from([0x92, 0x01, 0x02])],
        ],
      );
      assert.equal((await storage.bulkRuns.listBulkRuns(NS, { limit: 1 })).length, 1);
    },
  );

  withStorage(
    "bulk outcomes: recorded with the cursor and counts, paged in machine id order",
    async (storage) => {
      await storage.bulkRuns.createBulkRun(newRun("run-1"));
      const { lease } = await claimed(storage, "node-a", T0);
      await record(storage, lease, "pay-1");
      await record(storage, lease, "pay-2", "failed");
      await record(storage, lease, "pay-3", "skipped");
      const run = await storage.bulkRuns.readBulkRun("run-1");
      assert.deepEqual(
        [run?.cursor, run?.succeeded, run?.failed, run?.skipped, run?.updatedAtUs],
        ["pay-3", 1, 1, 1, T0 + SECOND],
      );
      const all = await storage.bulkRuns.listBulkOutcomes("run-1", { limit: 10 });
      assert.deepEqual(all, [outcome("pay-1"), outcome("pay-2", "failed"), outcome("pay-3", "skipped")]);
      const page = await storage.bulkRuns.listBulkOutcomes("run-1", { afterMachineId: "pay-1", limit: 1 });
      assert.deepEqual(page, [outcome("pay-2", "failed")]);
    },
  );

  withStorage(
    "a bulk run has one holder; after its lease expires another takes it with a new epoch, and the stale holder records nothing",
    async (storage) => {
      await storage.bulkRuns.createBulkRun(newRun("run-1"));
      const first = await claimed(storage, "node-a", T0);
      assert.equal(await claim(storage, "node-b", T0 + LEASE - 1), null, "held until its expiry");
      await storage.bulkRuns.beginBulkMachine(first.lease, { machineId: "pay-1", untilUs: T0 + LEASE });
      const second = await claimed(storage, "node-b", T0 + LEASE);
      assert.ok(second.lease.epoch > first.lease.epoch, "the takeover has a new epoch");
      assert.equal(
        second.run.inFlightMachineId,
        "pay-1",
        "the machine the first holder began on is handed over",
      );
      const stale = first.lease;
      await assert.rejects(record(storage, stale, "pay-1"), BulkRunLeaseLostError);
      await assert.rejects(
        storage.bulkRuns.beginBulkMachine(stale, { machineId: "pay-2", untilUs: T0 + 2 * LEASE }),
        BulkRunLeaseLostError,
      );
      await assert.rejects(storage.bulkRuns.renewBulkRun(stale, T0 + 2 * LEASE), BulkRunLeaseLostError);
      await assert.rejects(
        storage.bulkRuns.releaseBulkRun(stale, { done: true, nowUs: T0 + LEASE }),
        BulkRunLeaseLostError,
      );
      const sameEpochOtherOwner = { ...second.lease, owner: "node-a" };
      await assert.rejects(record(storage, sameEpochOtherOwner, "pay-1"), BulkRunLeaseLostError);
      assert.deepEqual(await storage.bulkRuns.listBulkOutcomes("run-1", { limit: 10 }), []);
      await record(storage, second.lease, "pay-1");
      const run = await storage.bulkRuns.readBulkRun("run-1");
      assert.deepEqual([run?.status, run?.cursor, run?.succeeded], ["running", "pay-1", 1]);
    },
  );

  withStorage(
    "a bulk outcome is recorded once per machine: the cursor only moves forward",
    async (storage) => {
      await storage.bulkRuns.createBulkRun(newRun("run-1"));
      const { lease } = await claimed(storage, "node-a", T0);
      await record(storage, lease, "pay-2");
      await assert.rejects(record(storage, lease, "pay-2"), BulkRunLeaseLostError);
      await assert.rejects(record(storage, lease, "pay-1"), BulkRunLeaseLostError);
      const run = await storage.bulkRuns.readBulkRun("run-1");
      assert.deepEqual([run?.cursor, run?.succeeded], ["pay-2", 1]);
      assert.equal((await storage.bulkRuns.listBulkOutcomes("run-1", { limit: 10 })).length, 1);
    },
  );

  withStorage(
    "a cancelled or done bulk run is not claimed; a released one is claimed at once",
    async (storage) => {
      await storage.bulkRuns.createBulkRun(newRun("cancelled"));
      await storage.bulkRuns.createBulkRun(newRun("released", { nowUs: T0 + 1 }));
      await storage.bulkRuns.createBulkRun(newRun("done", { nowUs: T0 + 2 }));
      const held = await claimed(storage, "node-a", T0);
      assert.equal(held.run.id, "cancelled", "the oldest running run first");
      const cancelled = await storage.bulkRuns.cancelBulkRun("cancelled", T0 + 5);
      assert.deepEqual([cancelled?.status, cancelled?.updatedAtUs], ["cancelled", T0 + 5]);
      assert.equal(
        await storage.bulkRuns.beginBulkMachine(held.lease, { machineId: "pay-1", untilUs: T0 + LEASE }),
        "cancelled",
      );
      assert.equal(await storage.bulkRuns.renewBulkRun(held.lease, T0 + LEASE), "cancelled");
      await storage.bulkRuns.releaseBulkRun(held.lease, { done: false, nowUs: T0 });
      const released = await claimed(storage, "node-a", T0);
      assert.equal(released.run.id, "released");
      await storage.bulkRuns.releaseBulkRun(released.lease, { done: false, nowUs: T0 });
      const again = await claimed(storage, "node-b", T0);
      assert.equal(again.run.id, "released", "free at once after a release");
      await storage.bulkRuns.releaseBulkRun(again.lease, { done: true, nowUs: T0 + 6 });
      const done = await claimed(storage, "node-b", T0);
      assert.equal(done.run.id, "done");
      await storage.bulkRuns.releaseBulkRun(done.lease, { done: true, nowUs: T0 + 7 });
      const finished = await storage.bulkRuns.cancelBulkRun("done", T0 + 8);
      assert.deepEqual(
        [finished?.status, finished?.updatedAtUs],
        ["done", T0 + 7],
        "cancel leaves a done run",
      );
      assert.equal(await storage.bulkRuns.cancelBulkRun("absent", T0), null);
      assert.equal(await claim(storage, "node-c", T0 + 100 * LEASE), null, "no running run is left");
    },
  );
}
