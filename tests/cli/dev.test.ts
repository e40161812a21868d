/**
 * The README's first command works: `ratchet dev --once` runs the demo on a fresh embedded database in a real
 * child process, narrates the payments' events (the captures paused by the bank's outage, then resumed), prints
 * the payments' flow and exits 0 with all three payments in a final stage.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

test("ratchet dev --once narrates the demo and every payment reaches a final stage", async () => {
  const directory = mkdtempSync(join(tmpdir(), "ratchet-dev-"));
  try {
    const { stdout } = await run(
      process.execPath,
      [CLI, "dev", "--once", "--db", join(directory, "demo.db")],
      {
        timeout: 30_000,
      },
    );
    assert.match(stdout, /embedded SQLite/);
    assert.match(stdout, /"event":"created"/);
    assert.match(stdout, /retrying after failure 1: the risk scorer is warming up/);
    assert.match(stdout, /"event":"captured"/);
    assert.match(stdout, /"event":"expired"/);
    assert.match(stdout, /paused by steps\.capture\.retry: timer retries exhausted after 3 failures: the bank is down/);
    assert.match(stdout, /resumed payments\/pay-\w+-1/);
    assert.match(stdout, /3 of 3 payments reached a final stage/);
    assert.match(stdout, /^ {2}flowchart LR$/m);
    assert.match(stdout, /s\d -->\|1\| s\d/, "the silent bank's payment took an edge of its own");
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test("an unknown command prints the usage and exits 2", async () => {
  await assert.rejects(
    run(process.execPath, [CLI, "nonsense"]),
    (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr ?? "", /unknown command "nonsense"/);
      return true;
    },
  );
});
