/**
 * The group committer keeps up to the storage's `commitsInFlightMax` batches in storage at once: two on
 * PostgreSQL (so the engine prepares one batch while the database commits another), one on SQLite. Batches in
 * flight together never name the same machine, so a machine's steps still commit one after another. Machines
 * chaining zero-delay timers on a real database; the storage's commit is watched on its way through.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { machineKey } from "../../src/core/machine.js";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import { pack } from "../../src/processors/payload.js";
import type { DisposableDatabase } from "../../src/storage/postgres/disposable-database.js";
import {
  createDisposableDatabase,
  createMigratedTemplate,
} from "../../src/storage/postgres/disposable-database.js";
import { PostgresStorage } from "../../src/storage/postgres/postgres-storage.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import type { Storage } from "../../src/storage/storage.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { withOverrides } from "../support/storage-overrides.js";
import { waitFor } from "../support/wait.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const MACHINES = 32;
const STEPS_MIN = 1500;

let template: DisposableDatabase;
let database: DisposableDatabase;

before(async () => {
  template = await createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_inflight_tpl",
    schema: "ratchet",
    nowUs: Date.now() * 1000,
  });
  database = await createDisposableDatabase(ADMIN_URL, {
    prefix: "ratchet_inflight",
    template: template.name,
  });
});

after(async () => {
  await database?.drop();
  await template?.drop();
});

/** Runs chains until STEPS_MIN steps committed; answers how many batches were in storage at once, at most. */
async function chainWatched(real: Storage): Promise<{ inFlightMax: number; histories: number[][] }> {
  const committing = new Set<string>();
  let inFlight = 0;
  let inFlightMax = 0;
  let committed = 0;
  const overlaps: string[] = [];
  const storage = withOverrides(real, {
    async commit(storage, steps) {
      const keys = [...new Set(steps.map((step) => machineKey(step.lease.namespace, step.lease.machineId)))];
      for (const key of keys) if (committing.has(key)) overlaps.push(key);
      for (const key of keys) committing.add(key);
      inFlight += 1;
      inFlightMax = Math.max(inFlightMax, inFlight);
      try {
        const outcomes = await storage.commit(steps);
        committed += outcomes.filter((outcome) => outcome.ok).length;
        return outcomes;
      } finally {
        inFlight -= 1;
        for (const key of keys) committing.delete(key);
      }
    },
  });
  let running = true;
  const fixture = createTestEngine({
    storage,
    namespaces: [
      {
        name: "chain",
        processor: localProcessor({
          init: () => ({ events: [{ data: pack(0) }], timer: timer.now() }),
          timer: () => ({ events: [{ data: pack(1) }], timer: running ? timer.now() : timer.unset() }),
        }),
      },
    ],
  });
  const ids = Array.from({ length: MACHINES }, (_, index) => `m${index}`);
  try {
    await Promise.all(ids.map((id) => fixture.engine.start("chain", id, pack(null))));
    await waitFor(`${STEPS_MIN} steps to commit`, () => committed >= STEPS_MIN, { timeoutMs: 30_000 });
    running = false;
    await waitFor("every chain to stop", async () => {
      const machines = await Promise.all(ids.map((id) => fixture.engine.get("chain", id)));
      return machines.every((machine) => machine.record.timer === null);
    });
    assert.deepEqual(overlaps, [], "no machine was in two batches in storage at once");
    const histories = await Promise.all(
      ids.map(async (id) => (await fixture.engine.get("chain", id)).history.map((event) => event.id)),
    );
    return { inFlightMax, histories };
  } finally {
    await fixture.close();
  }
}

function assertContiguous(histories: readonly number[][]): void {
  for (const ids of histories) {
    assert.deepEqual(
      ids,
      Array.from({ length: ids.length }, (_, index) => index + 1),
      "each machine's events are 1..n: every step committed after the one before",
    );
  }
}

test("on PostgreSQL two batches are in storage at once, and never share a machine", async () => {
  const storage = await PostgresStorage.open({
    connectionString: database.connectionString,
    poolSize: 4,
    statementTimeoutMs: 10_000,
    applicationName: "ratchet-inflight-test",
    nowUs: () => Date.now() * 1000,
    migrate: false,
  });
  try {
    assert.equal(storage.commitsInFlightMax, 2);
    const { inFlightMax, histories } = await chainWatched(storage);
    assert.equal(inFlightMax, 2, "the next batch went to storage while one was committing");
    assertContiguous(histories);
  } finally {
    await storage.close();
  }
});

test("on SQLite one batch is in storage at a time", async () => {
  const storage = new SqliteStorage({ path: ":memory:", nowUs: () => Date.now() * 1000 });
  try {
    assert.equal(storage.commitsInFlightMax, 1);
    const { inFlightMax, histories } = await chainWatched(storage);
    assert.equal(inFlightMax, 1);
    assertContiguous(histories);
  } finally {
    await storage.close();
  }
});
