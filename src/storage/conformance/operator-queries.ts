/**
 * Conformance cases of operator queries: listing machines, a machine's pending notifications. Registered by
 * `runStorageConformance`, so every adapter runs them.
 */
import assert from "node:assert/strict";
import type { WithStorage } from "./index.js";
import { claimOptions, createMachine, NS, notification, SECOND, T0, update } from "./support.js";

export function registerOperatorQueryCases(withStorage: WithStorage): void {
  withStorage("machines are listed in id order, page by page", async (storage) => {
    for (const id of ["c", "a", "b"]) await createMachine(storage, id, 0);
    const first = await storage.listMachines(NS, { limit: 2 });
    assert.deepEqual(
      first.map((record) => record.id),
      ["a", "b"],
    );
    const next = await storage.listMachines(NS, { afterId: "b", limit: 2 });
    assert.deepEqual(
      next.map((record) => record.id),
      ["c"],
    );
  });

  withStorage(
    "a machine's pending notifications are listed with their attempts and last error",
    async (storage) => {
      const record = await createMachine(storage, "m", 0);
      await createMachine(storage, "other", 0);
      await storage.insertNotification(notification("n2", "m", T0 + 2));
      await storage.insertNotification(notification("n1", "m", T0 + 1));
      await storage.insertNotification(notification("n3", "other", T0));
      const claims = await storage.claimDueNotifications(claimOptions(T0 + SECOND, T0 + 9 * SECOND));
      const claimed = claims.find((entry) => entry.record.id === "m");
      assert.ok(claimed?.notification.id === "n1", "the earliest of m's notifications is claimed");
      const retry = {
        kind: "retry" as const,
        dueAtUs: T0 + 5 * SECOND,
        attempt: 1,
        firstFailedAtUs: T0,
        lastError: "down",
      };
      await storage.commit([
        update(claimed.lease, record, [], { notification: { id: "n1", outcome: retry } }),
      ]);
      const listed = await storage.listNotifications(NS, "m");
      assert.deepEqual(
        listed.map((entry) => [entry.id, entry.attempt, entry.lastError ?? null, entry.dueAtUs]),
        [
          ["n2", 0, null, T0 + 2],
          ["n1", 1, "down", T0 + 5 * SECOND],
        ],
        "by due time, with attempts and the last error",
      );
      assert.deepEqual(await storage.listNotifications(NS, "missing"), []);
    },
  );
}
