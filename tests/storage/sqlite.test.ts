/**
 * The SQLite adapter passes the storage conformance suite, each test on a fresh in-memory database; one more
 * test proves a file database keeps its data across a reopen.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runStorageConformance } from "../../src/storage/conformance/index.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";

const nowUs = () => Date.now() * 1000;

runStorageConformance("sqlite", async () => {
  const storage = new SqliteStorage({ path: ":memory:", nowUs });
  return { storage, dispose: () => storage.close() };
});

test("a file database keeps committed machines across a reopen, and migrating twice is a no-op", async () => {
  const directory = mkdtempSync(join(tmpdir(), "ratchet-sqlite-"));
  try {
    const path = join(directory, "nested", "ratchet.db");
    const first = new SqliteStorage({ path, nowUs });
    const acquired = await first.acquireLease({
      namespace: "ns",
      machineId: "m",
      owner: "a",
      nowUs: 1,
      untilUs: 2,
    });
    assert.ok(acquired.acquired);
    const record = {
      namespace: "ns",
      id: "m",
      auxState: { data: new Uint8Array([1]) },
      lastEventId: 0,
      timer: null,
      retry: null,
      failure: null,
      pause: null,
      stepNumber: 0,
      createdAtUs: 1,
      updatedAtUs: 1,
    };
    await first.commit([{ lease: acquired.lease, kind: "create", record, events: [], leaseUntilUs: null }]);
    await first.close();
    const second = new SqliteStorage({ path, nowUs });
    assert.deepEqual((await second.readMachine("ns", "m"))?.auxState.data, Buffer.from([1]));
    await second.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
