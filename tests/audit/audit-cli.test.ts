/**
 * `ratchet audit` as an operator runs it: real child processes of the built CLI against a temporary SQLite file.
 * The CLI's step commands act under `cli:<user>`, so a pause, a refused simple repair and a remove each leave an
 * entry; `ratchet audit` prints them newest first as a table or JSON lines, filtered and paged.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { localProcessor } from "../../src/processors/local-processor.js";
import { runCli, runCliOk } from "../cli/cli-process.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json } from "../support/json-payload.js";

let directory: string;
let configPath: string;
let databasePath: string;
const ACTOR = `cli:${userInfo().username}`;

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-cli-audit-"));
  databasePath = join(directory, "ratchet.db");
  configPath = join(directory, "ratchet.yaml");
  // The operator steps used here call no processor, so its address is never reached.
  writeFileSync(
    configPath,
    `
woody_server: {ip: 127.0.0.1, port: 0}
storage: {type: sqlite, path: '${databasePath}'}
namespaces:
  ops:
    processor: {url: 'http://127.0.0.1:9/processor'}
`,
  );
  const fixture = createTestEngine({
    path: databasePath,
    namespaces: [{ name: "ops", processor: localProcessor({ init: () => ({}) }) }],
  });
  try {
    for (const id of ["a", "b", "c"]) await fixture.engine.start("ops", id, json({}));
  } finally {
    await fixture.close();
  }
});

after(() => rmSync(directory, { recursive: true, force: true }));

const withConfig = (...args: string[]) => [...args, "--config", configPath];
const withDb = (...args: string[]) => [...args, "--db", databasePath];

interface EntryLine {
  id: number;
  at: string;
  actor: string;
  action: string;
  namespace: string;
  machine_id: string | null;
  outcome: string;
  detail: string | null;
}

async function entriesOf(...filters: string[]): Promise<EntryLine[]> {
  const text = await runCliOk(withDb("audit", "--json", ...filters));
  return text
    .trim()
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as EntryLine);
}

test("ratchet audit prints the CLI's operator actions newest first, filtered and paged", async () => {
  assert.equal((await runCliOk(withDb("audit"))).trim(), "no audit entries");
  await runCliOk(withConfig("machine", "pause", "ops", "a", "--reason", "disk swap"));
  const refused = await runCli(withConfig("machine", "simple-repair", "ops", "b"));
  assert.notEqual(refused.code, 0, "a working machine cannot be simply repaired");
  await runCliOk(withConfig("machine", "remove", "ops", "c"));

  const entries = await entriesOf();
  assert.deepEqual(
    entries.map((entry) => [entry.actor, entry.action, entry.machine_id, entry.outcome]),
    [
      [ACTOR, "remove", "c", "ok"],
      [ACTOR, "simple_repair", "b", "refused"],
      [ACTOR, "pause", "a", "ok"],
    ],
  );
  assert.match(entries[1]?.detail ?? "", /^MachineAlreadyWorkingError: /);
  assert.equal(entries[2]?.detail, "disk swap");

  const table = (await runCliOk(withDb("audit"))).trimEnd().split("\n");
  assert.match(table[0] ?? "", /^id +at +actor +action +machine +outcome +detail$/);
  assert.match(table[1] ?? "", new RegExp(`^\\d+ +\\S+Z +${ACTOR} +remove +ops/c +ok`));
  assert.match(table[2] ?? "", /simple_repair +ops\/b +refused +MachineAlreadyWorkingError: /);

  assert.deepEqual(
    (await entriesOf("--machine", "a", "--namespace", "ops")).map((entry) => entry.action),
    ["pause"],
  );
  assert.deepEqual(await entriesOf("--namespace", "elsewhere"), []);
  const page = (await runCliOk(withDb("audit", "--limit", "2"))).trimEnd().split("\n");
  const older = page.at(-1) ?? "";
  assert.equal(older, `(older: --before ${entries[1]?.id})`);
  assert.deepEqual(
    (await entriesOf("--before", String(entries[1]?.id))).map((entry) => entry.action),
    ["pause"],
  );
});

test("ratchet audit refuses a bad --limit as a usage error", async () => {
  const result = await runCli(withDb("audit", "--limit", "0"));
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--limit must be a whole number in 1\.\.1000/);
});
