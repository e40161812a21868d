/**
 * `ratchet bulk` as a real process on the SQLite file a real node serves: a dry run counts, a start stores a run
 * that the node's bulk runner drives to done, status, outcomes and list show it, a cancel leaves a finished run
 * as it is; an unknown run exits 3, a bad action or rate exits 2 and starts nothing; `bulk_rate_per_second_max`
 * in the configuration bounds the rate (and 0 there is a configuration error).
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { runCli } from "../cli/cli-process.js";
import { failedMachines, PAYMENTS, startBulkNode, statusOf, waitForRun } from "../support/bulk-node.js";
import { sqliteAdapter } from "./adapters.js";

test("ratchet bulk: dry run, start, status, outcomes, list and cancel on a serving node's database; bad input exits 2; the configured maximum rate applies", async () => {
  const storage = await sqliteAdapter().create();
  const { choice } = storage;
  assert.equal(choice.kind, "sqlite");
  const db = choice.kind === "sqlite" ? choice.path : "";
  const served = await startBulkNode(choice);
  try {
    const ids = await failedMachines(served.node, "cli", 5);
    const select = ["--db", db, "--namespace", PAYMENTS, "--action", "simple_repair", "--status", "failed"];
    const dry = await runCli(["bulk", "start", ...select, "--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout, "dry run: 5 machines of payments selected; nothing started\n");

    for (const [extra, message] of [
      [["--action", "explode"], /--action must be one of/],
      [["--rate", "0"], /rate_per_second must be from 0.01 to 1000/],
      [["--rate", "fast"], /--rate must be a number/],
      [["--updated-since", "yesterday"], /updated_since/],
    ] as const) {
      const refused = await runCli(["bulk", "start", ...select, ...extra]);
      assert.equal(refused.code, 2, `${extra.join(" ")}: ${refused.stderr}`);
      assert.match(refused.stderr, message);
    }
    const none = await runCli(["bulk", "list", "--db", db, "--namespace", PAYMENTS, "--json"]);
    assert.deepEqual(JSON.parse(none.stdout), { bulk: [] }, "nothing started by the refusals");

    const started = await runCli(["bulk", "start", ...select, "--rate", "100", "--json"]);
    assert.equal(started.code, 0, started.stderr);
    const run = JSON.parse(started.stdout) as { id: string; actor: string; selected: number };
    assert.deepEqual([run.actor, run.selected], ["cli", 5]);
    await waitForRun(served.baseUrl, run.id, (view) => view.status === "done");
    for (const id of ids) assert.equal(await statusOf(served.node, id), "idle");

    const status = await runCli(["bulk", "status", run.id, "--db", db]);
    assert.match(
      status.stdout,
      /simple_repair on payments, done\n {2}5 of 5 done: 5 ok, 0 failed, 0 skipped/,
    );
    const outcomes = await runCli(["bulk", "outcomes", run.id, "--db", db, "--limit", "2"]);
    assert.match(outcomes.stdout, /^MACHINE +OUTCOME/);
    assert.match(outcomes.stdout, /cli-0000 +ok/);
    assert.match(outcomes.stdout, /next page: --after cli-0001\n$/);
    const listed = await runCli(["bulk", "list", "--db", db, "--namespace", PAYMENTS]);
    assert.match(listed.stdout, new RegExp(`${run.id} +simple_repair +done +5/5`));
    const cancelled = await runCli(["bulk", "cancel", run.id, "--db", db, "--json"]);
    assert.equal(JSON.parse(cancelled.stdout).status, "done", "a finished run is left as it is");

    const configPath = join(dirname(db), "ratchet.yaml");
    writeFileSync(
      configPath,
      `bulk_rate_per_second_max: 5\nstorage:\n  type: sqlite\n  path: ${db}\nnamespaces:\n  ${PAYMENTS}:\n    processor:\n      url: http://127.0.0.1:1/processor\n`,
    );
    const configured = [
      "bulk",
      "start",
      "--config",
      configPath,
      "--namespace",
      PAYMENTS,
      "--action",
      "resume",
    ];
    const overMax = await runCli([...configured, "--rate", "10"]);
    assert.equal(overMax.code, 2, overMax.stderr);
    assert.match(overMax.stderr, /rate_per_second must be from 0.01 to 5/, "the configured maximum applies");
    const unknown = await runCli(["bulk", "list", "--config", configPath, "--namespace", "nope"]);
    assert.equal(unknown.code, 3, unknown.stderr);
    const badMax = await runCli([
      "bulk",
      "list",
      "--config",
      writeBadConfig(configPath),
      "--namespace",
      PAYMENTS,
    ]);
    assert.equal(badMax.code, 2, badMax.stderr);
    assert.match(badMax.stderr, /bulk_rate_per_second_max/);

    const noCommand = await runCli(["bulk", "frob", "--db", db]);
    assert.equal(noCommand.code, 2);
    assert.match(noCommand.stderr, /bulk: unknown command "frob"\n\nusage: ratchet bulk/);

    const missing = await runCli(["bulk", "status", "no-such-run", "--db", db]);
    assert.equal(missing.code, 3, missing.stderr);
    assert.match(missing.stderr, /no bulk run has the id "no-such-run"/);
  } finally {
    await served.close();
    await storage.dispose();
  }
});

/** The same configuration with a maximum rate of 0, which the configuration refuses. */
function writeBadConfig(configPath: string): string {
  const badPath = `${configPath}.bad.yaml`;
  writeFileSync(
    badPath,
    readFileSync(configPath, "utf8").replace("bulk_rate_per_second_max: 5", "bulk_rate_per_second_max: 0"),
  );
  return badPath;
}
