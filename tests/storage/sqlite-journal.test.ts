/**
 * SQLite keeps a step's journal entry in `steps_recent` (insertion order, cheap for a group commit of many
 * machines) and moves entries into `steps` (per machine) in batches once enough gathered: across the move every
 * entry stays readable exactly once, in order, by page and by window; pruning and removal see both tables.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";
import { waitFor } from "../support/wait.js";

const MACHINES = 20;
const STEPS = 300; // 6,000 entries: more than one move's worth

const chain = localProcessor({
  init: () => ({ auxState: { data: json(1) }, timer: timer.now({ step: "next" }) }),
  timer: ({ machine }) => {
    const count = parse<number>(machine.auxState.data) + 1;
    return {
      auxState: { data: json(count) },
      timer: count < STEPS ? timer.now({ step: "next" }) : timer.unset(),
    };
  },
});

test("journal entries moved from steps_recent into steps stay readable once each, in order; pruning and removal see both", async () => {
  const folder = mkdtempSync(join(tmpdir(), "ratchet-journal-"));
  const path = join(folder, "ratchet.db");
  const storage = new SqliteStorage({ path, nowUs: () => Date.now() * 1000 });
  const fixture = createTestEngine({
    storage,
    namespaces: [{ name: "j", processor: chain, journal: { stepsPerMachine: 100 } }],
  });
  const counts = () => {
    const db = new Database(path, { readonly: true });
    try {
      const count = (table: string) =>
        (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      return { recent: count("steps_recent"), moved: count("steps") };
    } finally {
      db.close();
    }
  };
  try {
    const ids = Array.from({ length: MACHINES }, (_, index) => `m${index}`);
    await Promise.all(ids.map((id) => fixture.engine.start("j", id, json({}))));
    await waitFor(
      "every chain",
      async () => {
        for (const id of ids)
          if ((await fixture.engine.get("j", id, { limit: 0, direction: "forward" })).status !== "idle")
            return false;
        return true;
      },
      { timeoutMs: 60_000 },
    );
    const { recent, moved } = counts();
    assert.equal(recent + moved, MACHINES * STEPS, "every entry is in one of the two tables");
    assert.ok(moved >= 4096, `entries were moved (${moved} in steps, ${recent} recent)`);
    for (const id of ["m0", "m7", "m19"]) {
      const all: number[] = [];
      let after = 0;
      for (;;) {
        const page = await fixture.engine.steps("j", id, { after, limit: 1000 });
        all.push(...page.map((entry) => entry.stepNumber));
        if (page.length < 1000) break;
        after = page.at(-1)?.stepNumber ?? after;
      }
      assert.deepEqual(
        all,
        Array.from({ length: STEPS }, (_, index) => index + 1),
        `${id}: each step once, in order`,
      );
      const newest = await fixture.engine.steps("j", id, { direction: "backward", limit: 3 });
      assert.deepEqual(
        newest.map((entry) => entry.stepNumber),
        [STEPS, STEPS - 1, STEPS - 2],
      );
    }
    const flow = await fixture.engine.flow("j");
    assert.equal(flow.entries, MACHINES * STEPS, "the window reads both tables");

    await fixture.engine.journalPruner.pruneNow();
    assert.deepEqual(
      counts(),
      { recent: 0, moved: MACHINES * 100 },
      "pruning moves first, then keeps 100 per machine",
    );
    await fixture.engine.remove("j", "m0");
    assert.deepEqual(await fixture.engine.steps("j", "m0"), []);
    assert.equal(counts().moved, (MACHINES - 1) * 100);
  } finally {
    await fixture.close();
    await storage.close();
    rmSync(folder, { recursive: true, force: true });
  }
});
