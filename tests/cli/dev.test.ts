/**
 * The README's first command works: `ratchet dev --once` runs the demo on a fresh embedded database in a real
 * child process, narrates the payments' events (the captures paused by the bank's outage, then resumed), prints
 * the payments' flow and exits 0 with all three payments in a final stage; and a
 * running `ratchet dev` prints its JSON API's base URL first and curl lines that work when pasted into a shell.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
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
      [CLI, "dev", "--once", "--port", "0", "--db", join(directory, "demo.db")],
      {
        timeout: 30_000,
      },
    );
    assert.match(stdout.split("\n")[0] ?? "", /^JSON API at http:\/\/127\.0\.0\.1:\d+ /);
    assert.match(stdout, /embedded SQLite/);
    assert.match(stdout, /^started payments\/pay-\S+ /m);
    assert.match(stdout, /"event":"created"/);
    assert.match(stdout, /retrying after failure 1: the risk scorer is warming up/);
    assert.match(stdout, /"event":"captured"/);
    assert.match(stdout, /"event":"expired"/);
    assert.match(
      stdout,
      /paused by steps\.capture\.retry: timer retries exhausted after 3 failures: the bank is down/,
    );
    assert.match(stdout, /^resumed payments\/pay-\S+-1$/m);
    assert.match(stdout, /3 of 3 payments reached a final stage/);
    assert.match(stdout, /^ {2}flowchart LR$/m);
    assert.match(stdout, /s\d+ -->\|1\| s\d+/, "the silent bank's payment took an edge of its own");
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

test("ratchet dev serves the JSON API: the curl lines it prints start, call and read a payment", async () => {
  const directory = mkdtempSync(join(tmpdir(), "ratchet-dev-"));
  const child = spawn(process.execPath, [CLI, "dev", "--port", "0", "--db", join(directory, "demo.db")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const deadline = Date.now() + 30_000;
    while (!/keeps running/.test(stdout)) {
      assert.ok(Date.now() < deadline, `ratchet dev did not finish its demo:\n${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const base = /^JSON API at (http:\/\/127\.0\.0\.1:\d+) /.exec(stdout)?.[1];
    assert.ok(base, "the first line names the base URL");
    const curls = stdout.split("\n").filter((line) => line.trimStart().startsWith("curl "));
    assert.ok(curls.length >= 5, "it prints curl lines");
    const answers: unknown[] = [];
    for (const line of curls) {
      const { stdout: body } = await run("sh", ["-c", line], { timeout: 10_000 });
      answers.push(JSON.parse(body));
    }
    const [created, called, read] = answers as [
      { id: string; status: string },
      { response: unknown },
      { events: { data: { event: string } }[] },
    ];
    assert.equal(created.id, "my-payment");
    assert.equal(typeof called.response, "string", "the call answers the payment's stage");
    assert.equal(read.events[0]?.data.event, "created");
  } finally {
    child.kill("SIGINT");
    await new Promise((resolve) => child.once("close", resolve));
    rmSync(directory, { recursive: true, force: true });
  }
});
