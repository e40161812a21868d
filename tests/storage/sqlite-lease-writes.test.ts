/**
 * The embedded store's lease writes commit without their own fsync: a write batch of lease writes alone runs with
 * `synchronous = OFF`, any batch holding another write runs at the file's setting, and the setting is back after
 * each batch. A real SQLite file; the setting is read inside each write.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SqliteDatabase } from "../../src/storage/sqlite/sqlite-database.js";

const OFF = 0;
const FULL = 2;

test("a batch of lease writes alone commits without its fsync; a batch with a step's write keeps it", async () => {
  const folder = mkdtempSync(join(tmpdir(), "ratchet-lease-writes-"));
  const database = new SqliteDatabase({ path: join(folder, "store.db"), nowUs: () => Date.now() * 1000 });
  const setting = () => database.db.pragma("synchronous", { simple: true }) as number;
  try {
    assert.equal(setting(), FULL);
    const [first, second] = await Promise.all([database.writeLeases(setting), database.writeLeases(setting)]);
    assert.deepEqual([first, second], [OFF, OFF], "lease writes of one turn share a batch without an fsync");
    assert.equal(setting(), FULL, "the file's setting is back after the batch");
    const mixed = await Promise.all([database.writeLeases(setting), database.write(setting)]);
    assert.deepEqual(mixed, [FULL, FULL], "a batch holding a durable write is durable as a whole");
    assert.equal(await database.write(setting), FULL);
    assert.equal(setting(), FULL);
  } finally {
    database.close();
    rmSync(folder, { recursive: true, force: true });
  }
});
