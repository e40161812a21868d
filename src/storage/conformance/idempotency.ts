/**
 * Conformance cases of idempotency keys: stored by a step's commit under its fence, or with a notification in
 * one write; a key already stored is kept and handed back; pruned oldest first. Registered by
 * `runStorageConformance`, so every adapter runs them.
 */
import assert from "node:assert/strict";
import { MachineNotFoundError } from "../../core/errors.js";
import type { IdempotencyOutcome, IdempotencyRecord } from "../../core/idempotency.js";
import type { WithStorage } from "./index.js";
import {
  assertBytes,
  bytes,
  createMachine,
  lease,
  NS,
  notification,
  SECOND,
  T0,
  takeOver,
  update,
} from "./support.js";

function keyRecord(
  key: string,
  machineId: string,
  outcome: IdempotencyOutcome,
  createdAtUs = T0,
): IdempotencyRecord {
  const operation = outcome.kind === "notified" ? "notify" : outcome.kind === "started" ? "start" : "call";
  return { namespace: NS, key, machineId, operation, requestHash: `hash of ${key}`, outcome, createdAtUs };
}

export function registerIdempotencyCases(withStorage: WithStorage): void {
  withStorage(
    "a step stores its idempotency key with its outcome; a key already stored is kept",
    async (storage) => {
      const record = await createMachine(storage, "m", 0);
      await createMachine(storage, "n", 0);
      const response = keyRecord("k1", "m", { kind: "response", response: bytes("first") });
      const [first] = await storage.commit([
        update(await lease(storage, "m"), record, [], { idempotency: response }),
      ]);
      assert.deepEqual(first, { ok: true });
      const stored = await storage.readIdempotencyKey(NS, "k1");
      assert.equal(stored?.operation, "call");
      assert.equal(stored?.requestHash, "hash of k1");
      assert.equal(stored?.outcome.kind, "response");
      if (stored?.outcome.kind === "response") assertBytes(stored.outcome.response, bytes("first"));
      const other = keyRecord("k1", "n", { kind: "failed", reason: "another" });
      const nRecord = await storage.readMachine(NS, "n");
      assert.ok(nRecord);
      const [second] = await storage.commit([
        update(await lease(storage, "n"), nRecord, [], { idempotency: other }),
      ]);
      assert.deepEqual(second, { ok: true }, "the step commits; the key it names is kept as it was");
      assert.equal((await storage.readIdempotencyKey(NS, "k1"))?.machineId, "m");
      assert.equal(await storage.readIdempotencyKey(NS, "missing"), null);
      assert.equal(await storage.readIdempotencyKey("other", "k1"), null, "keys are per namespace");
    },
  );

  withStorage("a fenced-out step stores no idempotency key", async (storage) => {
    const record = await createMachine(storage, "m", 0);
    const stale = await lease(storage, "m");
    await takeOver(storage, "m");
    const [outcome] = await storage.commit([
      update(stale, record, [], { idempotency: keyRecord("k", "m", { kind: "started" }) }),
    ]);
    assert.equal(outcome?.ok, false);
    assert.equal(await storage.readIdempotencyKey(NS, "k"), null);
  });

  withStorage(
    "a keyed notification is stored once; the same key hands back the stored record",
    async (storage) => {
      await createMachine(storage, "m", 0);
      const keyed = keyRecord("nk", "m", { kind: "notified", notificationId: "n1" });
      assert.equal(
        await storage.insertNotification(notification("n1", "m", T0), { idempotency: keyed }),
        null,
      );
      const again = await storage.insertNotification(notification("n2", "m", T0), {
        idempotency: keyRecord("nk", "m", { kind: "notified", notificationId: "n2" }),
      });
      assert.deepEqual(again?.outcome, { kind: "notified", notificationId: "n1" });
      assert.deepEqual(
        (await storage.listNotifications(NS, "m")).map((entry) => entry.id),
        ["n1"],
        "the second notification was not stored",
      );
      await assert.rejects(
        storage.insertNotification(notification("n3", "gone", T0), {
          idempotency: keyRecord("nk2", "gone", { kind: "notified", notificationId: "n3" }),
        }),
        MachineNotFoundError,
      );
      assert.equal(await storage.readIdempotencyKey(NS, "nk2"), null, "no key for a notification not stored");
    },
  );

  withStorage("idempotency keys are pruned oldest first, a bounded batch at a time", async (storage) => {
    await createMachine(storage, "m", 0);
    for (let index = 0; index < 5; index += 1) {
      const keyed = keyRecord(
        `k${index}`,
        "m",
        { kind: "notified", notificationId: `n${index}` },
        T0 + index * SECOND,
      );
      await storage.insertNotification(notification(`n${index}`, "m", T0), { idempotency: keyed });
    }
    assert.equal(await storage.pruneIdempotencyKeys({ createdBeforeUs: T0 + 3 * SECOND, limit: 2 }), 2);
    assert.equal(await storage.readIdempotencyKey(NS, "k0"), null);
    assert.equal(await storage.readIdempotencyKey(NS, "k1"), null);
    assert.ok(await storage.readIdempotencyKey(NS, "k2"));
    assert.equal(await storage.pruneIdempotencyKeys({ createdBeforeUs: T0 + 3 * SECOND, limit: 10 }), 1);
    assert.ok(await storage.readIdempotencyKey(NS, "k3"), "a key younger than the bound stays");
  });
}
