/**
 * Conformance cases of the audit log: an entry written with its step's commit (a step refused by its fence writes
 * neither), entries written alone, paging newest first by cursor, filters by namespace and machine. Registered by
 * `runStorageConformance`, so every adapter runs them.
 */
import assert from "node:assert/strict";
import type { AuditDraft } from "../../core/audit.js";
import { LeaseLostError } from "../../core/errors.js";
import type { WithStorage } from "./index.js";
import { createMachine, lease, NS, SECOND, T0, takeOver, update } from "./support.js";

function entry(patch: Partial<AuditDraft> = {}): AuditDraft {
  return {
    atUs: T0,
    actor: "alice",
    action: "simple_repair",
    namespace: NS,
    machineId: "m",
    outcome: "ok",
    detail: null,
    ...patch,
  };
}

export function registerAuditLogCases(withStorage: WithStorage): void {
  withStorage("a step's audit entry is written in the step's commit", async (storage) => {
    const record = await createMachine(storage, "m", 0);
    const touched = { ...record, updatedAtUs: T0 + SECOND };
    const audit = entry({ atUs: T0 + SECOND, detail: "paused: maintenance" });
    const [outcome] = await storage.commit([update(await lease(storage, "m"), touched, [], { audit })]);
    assert.deepEqual(outcome, { ok: true });
    const [stored, ...rest] = await storage.listAudit({ limit: 10 });
    assert.equal(rest.length, 0);
    assert.ok(stored !== undefined && Number.isSafeInteger(stored.id));
    assert.deepEqual({ ...stored, id: 0 }, { ...audit, id: 0 });
    assert.equal((await storage.readMachine(NS, "m"))?.updatedAtUs, T0 + SECOND);
  });

  withStorage("a step refused by its fence writes neither the step nor its audit entry", async (storage) => {
    const record = await createMachine(storage, "m", 0);
    await createMachine(storage, "n", 0);
    const stale = await lease(storage, "m");
    await takeOver(storage, "m");
    const nRecord = await storage.readMachine(NS, "n");
    assert.ok(nRecord);
    const [fenced, fine] = await storage.commit([
      update(stale, { ...record, updatedAtUs: T0 + SECOND }, [], { audit: entry({ actor: "stale" }) }),
      update(await lease(storage, "n"), nRecord, [], { audit: entry({ machineId: "n", actor: "fresh" }) }),
    ]);
    assert.ok(fenced && !fenced.ok && fenced.error instanceof LeaseLostError);
    assert.deepEqual(fine, { ok: true }, "the batch's other step commits with its entry");
    assert.equal((await storage.readMachine(NS, "m"))?.updatedAtUs, record.updatedAtUs);
    const entries = await storage.listAudit({ limit: 10 });
    assert.deepEqual(
      entries.map((stored) => stored.actor),
      ["fresh"],
    );
  });

  withStorage(
    "audit entries page newest first by cursor, filtered by namespace and machine",
    async (storage) => {
      const written = [
        entry({ machineId: "a", atUs: T0 + 1 }),
        entry({ machineId: "b", atUs: T0 + 2, outcome: "refused", detail: "MachineAlreadyWorkingError: x" }),
        entry({ namespace: "other", machineId: "a", atUs: T0 + 3 }),
        entry({ machineId: null, action: "bulk_simple_repair", atUs: T0 + 4 }),
        entry({ machineId: "a", atUs: T0 + 5, outcome: "failed", detail: "RepairFailedError: no" }),
      ];
      for (const draft of written) await storage.appendAudit(draft);
      const all = await storage.listAudit({ limit: 10 });
      assert.deepEqual(
        all.map((stored) => stored.atUs),
        [T0 + 5, T0 + 4, T0 + 3, T0 + 2, T0 + 1],
        "newest first",
      );
      const ids = all.map((stored) => stored.id);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => b - a),
        "ids grow with every entry written",
      );
      const first = await storage.listAudit({ limit: 2 });
      const second = await storage.listAudit({ limit: 2, beforeId: first.at(-1)?.id });
      const third = await storage.listAudit({ limit: 2, beforeId: second.at(-1)?.id });
      assert.deepEqual(
        [...first, ...second, ...third].map((stored) => stored.id),
        ids,
        "pages by cursor see each entry once",
      );
      const ofNamespace = await storage.listAudit({ namespace: NS, limit: 10 });
      assert.deepEqual(
        ofNamespace.map((stored) => stored.atUs),
        [T0 + 5, T0 + 4, T0 + 2, T0 + 1],
      );
      const ofMachine = await storage.listAudit({ namespace: NS, machineId: "a", limit: 10 });
      assert.deepEqual(
        ofMachine.map((stored) => [stored.atUs, stored.outcome, stored.detail]),
        [
          [T0 + 5, "failed", "RepairFailedError: no"],
          [T0 + 1, "ok", null],
        ],
      );
      const anyNamespace = await storage.listAudit({ machineId: "a", limit: 10 });
      assert.deepEqual(
        anyNamespace.map((stored) => stored.namespace),
        [NS, "other", NS],
      );
      const bulk = all.find((stored) => stored.action === "bulk_simple_repair");
      assert.equal(bulk?.machineId, null);
      assert.deepEqual(await storage.listAudit({ namespace: "missing", limit: 10 }), []);
    },
  );
}
