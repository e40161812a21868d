/**
 * Conformance cases of machine search and status counts: every filter alone and combined, id-prefix bounds,
 * keyset paging that sees each machine at most once while others are written, and capped counts. Registered by
 * `runStorageConformance`, so every adapter runs them.
 */
import assert from "node:assert/strict";
import { FULL_HISTORY } from "../../core/history-range.js";
import type { MachineRecord } from "../../core/machine.js";
import { failRecord, pauseRecord } from "../../core/step.js";
import type { MachineSearch } from "../operator-queries.js";
import type { Storage } from "../storage.js";
import type { WithStorage } from "./index.js";
import { createMachine, lease, NS, SECOND, T0 } from "./support.js";

const timerAt = (dueAtUs: number) => ({ timer: { dueAtUs, range: FULL_HISTORY } });

async function ids(storage: Storage, search: Omit<MachineSearch, "limit"> & { limit?: number }) {
  const found = await storage.searchMachines(NS, { limit: 100, ...search });
  return found.map((record) => record.id);
}

/** Machines of every status, with timers and change times to search by. */
async function seed(storage: Storage): Promise<void> {
  const failed = (record: MachineRecord) => failRecord(record, "broken", T0 + 5 * SECOND);
  await createMachine(storage, "order-1", 0);
  await createMachine(storage, "order-2", 0, timerAt(T0 + 10 * SECOND));
  await createMachine(storage, "order-3", 0, {
    ...timerAt(T0 + 30 * SECOND),
    retry: { attempt: 1, firstFailedAtUs: T0, dueAtUs: T0 + SECOND, lastError: "down" },
  });
  const base = await createMachine(storage, "refund-1", 0, { updatedAtUs: T0 + 5 * SECOND });
  await remakeAs(storage, failed(base));
  await createMachine(storage, "refund-2", 0, { ...timerAt(T0 + 20 * SECOND), updatedAtUs: T0 + 9 * SECOND });
  const held = await createMachine(storage, "refund-3", 0, timerAt(T0 + 40 * SECOND));
  await remakeAs(
    storage,
    pauseRecord(held, { reason: "bank outage", by: "operator", nowUs: T0 + 2 * SECOND }),
  );
}

/** Replaces a machine's record as a step would. */
async function remakeAs(storage: Storage, record: MachineRecord): Promise<void> {
  const held = await lease(storage, record.id);
  const [outcome] = await storage.commit([
    { lease: held, kind: "update", record, events: [], leaseUntilUs: null },
  ]);
  assert.deepEqual(outcome, { ok: true });
}

export function registerMachineSearchCases(withStorage: WithStorage): void {
  withStorage(
    "machines are searched by status, working meaning idle, waiting or retrying",
    async (storage) => {
      await seed(storage);
      await createMachine(storage, "elsewhere", 0);
      assert.deepEqual(await ids(storage, { status: "failed" }), ["refund-1"]);
      assert.deepEqual(await ids(storage, { status: "retrying" }), ["order-3"]);
      assert.deepEqual(await ids(storage, { status: "waiting" }), ["order-2", "refund-2"]);
      assert.deepEqual(await ids(storage, { status: "idle" }), ["elsewhere", "order-1"]);
      assert.deepEqual(await ids(storage, { status: "paused" }), ["refund-3"]);
      assert.deepEqual(await ids(storage, { status: "working" }), [
        "elsewhere",
        "order-1",
        "order-2",
        "order-3",
        "refund-2",
      ]);
      assert.deepEqual(await storage.searchMachines("other namespace", { limit: 10 }), []);
    },
  );

  withStorage(
    "machines are searched by id prefix, timer due before and updated since, combined",
    async (storage) => {
      await seed(storage);
      await createMachine(storage, "orders", 0);
      await createMachine(storage, "ordes", 0);
      await createMachine(storage, "\u{10ffff}x", 0);
      assert.deepEqual(await ids(storage, { idPrefix: "order-" }), ["order-1", "order-2", "order-3"]);
      assert.deepEqual(await ids(storage, { idPrefix: "order" }), [
        "order-1",
        "order-2",
        "order-3",
        "orders",
      ]);
      assert.deepEqual(await ids(storage, { idPrefix: "\u{10ffff}" }), ["\u{10ffff}x"]);
      assert.deepEqual(await ids(storage, { idPrefix: "nothing" }), []);
      assert.deepEqual(await ids(storage, { timerDueBeforeUs: T0 + 25 * SECOND }), ["order-2", "refund-2"]);
      assert.deepEqual(await ids(storage, { updatedSinceUs: T0 + 5 * SECOND }), ["refund-1", "refund-2"]);
      assert.deepEqual(
        await ids(storage, { status: "waiting", idPrefix: "refund", timerDueBeforeUs: T0 + 21 * SECOND }),
        ["refund-2"],
      );
      assert.deepEqual(await ids(storage, { status: "working", updatedSinceUs: T0 + 6 * SECOND }), [
        "refund-2",
      ]);
    },
  );

  withStorage(
    "a search pages by id and sees each machine at most once while others are created",
    async (storage) => {
      const kept = Array.from({ length: 60 }, (_, index) => `m-${String(index * 2).padStart(3, "0")}`);
      for (const id of kept) await createMachine(storage, id, 0);
      const seen: string[] = [];
      let afterId: string | undefined;
      for (let page = 0; page < 100; page += 1) {
        const found = await storage.searchMachines(NS, {
          status: "idle",
          limit: 7,
          ...(afterId ? { afterId } : {}),
        });
        seen.push(...found.map((record) => record.id));
        // Writes between pages: new machines on both sides of the cursor.
        await createMachine(storage, `m-${String(page * 2 + 1).padStart(3, "0")}`, 0);
        await createMachine(storage, `a-${page}`, 0);
        if (found.length < 7) break;
        afterId = found.at(-1)?.id;
      }
      assert.equal(new Set(seen).size, seen.length, "no machine is seen twice");
      for (const id of kept) assert.ok(seen.includes(id), `${id} existed throughout and is seen`);
      assert.ok(!seen.some((id) => id.startsWith("a-")), "machines behind the cursor are not seen");
    },
  );

  withStorage("machine counts by status are capped, so their cost is bounded", async (storage) => {
    await seed(storage);
    for (const id of ["x1", "x2", "x3", "x4"]) await createMachine(storage, id, 0);
    assert.deepEqual(await storage.countMachinesByStatus(NS, { capPerStatus: 100 }), {
      idle: 5,
      waiting: 2,
      retrying: 1,
      paused: 1,
      failed: 1,
    });
    assert.deepEqual(await storage.countMachinesByStatus(NS, { capPerStatus: 3 }), {
      idle: 3,
      waiting: 2,
      retrying: 1,
      paused: 1,
      failed: 1,
    });
    assert.deepEqual(await storage.countMachinesByStatus("empty", { capPerStatus: 3 }), {
      idle: 0,
      waiting: 0,
      retrying: 0,
      paused: 0,
      failed: 0,
    });
  });
}
