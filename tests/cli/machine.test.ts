/**
 * Proves `ratchet machine` as an operator uses it: real child processes of the built CLI against a temporary
 * SQLite file and an MG-format configuration whose namespace uses MG's test processor over woody on 127.0.0.1.
 * start, call, repair, simple-repair, notify and remove run steps through that processor, --args in natural JSON
 * (or msgpack's readable JSON with --args-msgpack-json); get, list and search show what was committed, payloads in
 * msgpack's readable JSON; a missing machine exits 3, a bad command line 2, a failing step 1.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parseConfig } from "../../src/config/config.js";
import { unpack } from "../../src/processors/payload.js";
import { createNodeFromConfig } from "../../src/runtime/node-from-config.js";
import { e2eConfigYaml, NS } from "../mg/woody-e2e/harness.js";
import { startTestProcessor, type TestProcessor } from "../mg/woody-e2e/mg-test-processor.js";
import { waitFor } from "../support/wait.js";
import { runCli, runCliOk } from "./cli-process.js";

let directory: string;
let processor: TestProcessor;
let configText: string;
let configPath: string;
let databasePath: string;

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-cli-machine-"));
  processor = await startTestProcessor({ sleepMs: 10 });
  databasePath = join(directory, "ratchet.db");
  configText = e2eConfigYaml({
    processorUrl: processor.url,
    modernizerUrl: processor.modernizerUrl,
    storage: `  type: sqlite\n  path: ${databasePath}`,
  });
  configPath = join(directory, "ratchet.yaml");
  writeFileSync(configPath, configText);
});

after(async () => {
  await processor.close();
  rmSync(directory, { recursive: true, force: true });
});

const withConfig = (...args: string[]) => [...args, "--config", configPath];
const withDb = (...args: string[]) => [...args, "--db", databasePath];

interface MachineJson {
  status: string;
  failure: { reason: string; previousStatus: string } | null;
  auxState: { formatVersion?: number; data: unknown };
  lastEventId: number;
  events: { id: number; createdAt: string; formatVersion?: number; data: unknown }[];
  nextAfter: number | null;
}

async function machineJson(id: string, ...range: string[]): Promise<MachineJson> {
  return JSON.parse(await runCliOk(withDb("machine", "get", NS, id, "--json", ...range))) as MachineJson;
}

test("start, call, get and list: events, aux state and responses in readable JSON, pages by --after", async () => {
  const started = await runCliOk(
    withConfig("machine", "start", NS, "m1", "--args", '["fire", 2, "body", "aux"]'),
  );
  assert.equal(started.trim(), "started");

  const text = await runCliOk(withDb("machine", "get", NS, "m1"));
  assert.match(text, /^machine NS m1: idle\n {2}timer: none\n {2}aux state: "aux" v42\n/);
  assert.match(
    text,
    /events: 2 in all; shown: 2 \(limit 100, forward\)\n {4}#1 \S+ v42 "body"\n {4}#2 \S+ v42 "body"\n$/,
  );

  const machine = await machineJson("m1");
  assert.equal(machine.status, "idle");
  assert.deepEqual(machine.auxState, { formatVersion: 42, data: { encoding: "json", value: "aux" } });
  assert.deepEqual(
    machine.events.map((event) => [event.id, event.formatVersion, event.data]),
    [
      [1, 42, { encoding: "json", value: "body" }],
      [2, 42, { encoding: "json", value: "body" }],
    ],
  );
  const msgpackView = await machineJson("m1", "--msgpack-json");
  assert.deepEqual(
    msgpackView.auxState.data,
    { encoding: "msgpack", value: "aux" },
    "the msgpack.Value form",
  );

  assert.equal((await runCliOk(withConfig("machine", "call", NS, "m1", "--args", '"nop"'))).trim(), '"nop"');
  const called = JSON.parse(
    await runCliOk(
      withConfig("machine", "call", NS, "m1", "--args", '["event", {"$bytes": "AAE="}]', "--json"),
    ),
  );
  assert.deepEqual(called, {
    namespace: NS,
    id: "m1",
    response: { encoding: "json", value: { $bytes: "AAE=" } },
  });
  const msgpackForm = JSON.parse(
    await runCliOk(
      withConfig(
        "machine",
        "call",
        NS,
        "m1",
        "--args",
        '["event", {"bin": "AAE="}]',
        "--args-msgpack-json",
        "--msgpack-json",
        "--json",
      ),
    ),
  );
  assert.deepEqual(msgpackForm.response, { encoding: "msgpack", value: { bin: "AAE=" } }, "the same value");

  const firstPage = await machineJson("m1", "--limit", "2");
  assert.deepEqual(
    firstPage.events.map((event) => event.id),
    [1, 2],
  );
  assert.equal(firstPage.nextAfter, 2);
  const lastPage = await machineJson("m1", "--after", "2", "--limit", "2");
  assert.deepEqual(
    lastPage.events.map(({ createdAt, ...event }) => event),
    [{ id: 3, formatVersion: 42, data: { encoding: "json", value: { $bytes: "AAE=" } } }],
  );
  assert.match(lastPage.events[0]?.createdAt ?? "", /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/);
  assert.equal(lastPage.nextAfter, null);
  const newest = await machineJson("m1", "--backward", "--limit", "1");
  assert.deepEqual(
    newest.events.map((event) => event.id),
    [3],
  );
  assert.match(await runCliOk(withDb("machine", "get", NS, "m1", "--limit", "1")), /more: --after 1\n$/);

  await runCliOk(withConfig("machine", "start", NS, "m2", "--args", '"quiet"'));
  assert.match(
    await runCliOk(withDb("machine", "list", NS)),
    /^m1 {2}idle {2}events 3 {2}updated at \S+\nm2 {2}idle {2}events 0/,
  );
  const page = JSON.parse(await runCliOk(withConfig("machine", "list", NS, "--limit", "1", "--json")));
  assert.deepEqual(
    page.machines.map((machine: { id: string }) => machine.id),
    ["m1"],
  );
  assert.equal(page.nextAfter, "m1");
  const rest = JSON.parse(await runCliOk(withDb("machine", "list", NS, "--after", "m1", "--json")));
  assert.deepEqual(
    rest.machines.map((machine: { id: string }) => machine.id),
    ["m2"],
  );
  assert.equal(rest.nextAfter, null);

  const searched = JSON.parse(
    await runCliOk(
      withDb("machine", "search", NS, "--status", "idle", "--prefix", "m", "--limit", "1", "--json"),
    ),
  );
  assert.deepEqual(
    searched.machines.map((machine: { id: string }) => machine.id),
    ["m1"],
  );
  const following = await runCliOk(
    withDb("machine", "search", NS, "--status", "idle", "--cursor", searched.nextCursor),
  );
  assert.match(following, /^m2 {2}idle/);
  assert.equal(await runCliOk(withDb("machine", "search", NS, "--status", "failed")), "");
  const badStatus = await runCli(withDb("machine", "search", NS, "--status", "asleep"));
  assert.equal(badStatus.code, 2);
  assert.match(badStatus.stderr, /--status must be one of idle, waiting, retrying, paused, failed, working/);
});

test("exit codes: 3 for a missing machine or namespace, 2 for a bad command line, 1 for a refused step", async () => {
  await runCliOk(withConfig("machine", "start", NS, "codes", "--args", '"quiet"'));
  const cases: { args: string[]; code: number; stderr: RegExp }[] = [
    { args: withDb("machine", "get", NS, "absent"), code: 3, stderr: /machine "absent" does not exist/ },
    { args: withConfig("machine", "get", "nowhere", "codes"), code: 3, stderr: /namespace "nowhere"/ },
    {
      args: withConfig("machine", "call", NS, "absent", "--args", '"nop"'),
      code: 3,
      stderr: /does not exist/,
    },
    { args: withDb("machine", "get", NS), code: 2, stderr: /missing ID\n\(ratchet help machine/ },
    { args: withDb("machine", "get", NS, "codes", "--limit", "ten"), code: 2, stderr: /--limit must be/ },
    {
      args: withDb("machine", "get", NS, "codes", "--frobnicate"),
      code: 2,
      stderr: /Unknown option '--frobnicate'/,
    },
    { args: ["machine", "get", NS, "codes"], code: 2, stderr: /needs --config FILE or --db PATH/ },
    {
      args: withDb("machine", "call", NS, "codes", "--args", '"nop"'),
      code: 2,
      stderr: /needs --config FILE/,
    },
    { args: withConfig("machine", "call", NS, "codes"), code: 2, stderr: /needs --args JSON/ },
    {
      args: withConfig("machine", "call", NS, "codes", "--args", "{nop"),
      code: 2,
      stderr: /--args is not JSON/,
    },
    {
      args: withConfig("machine", "call", NS, "codes", "--args", '{"$float": "x"}'),
      code: 2,
      stderr: /--args.\$float must be a finite number/,
    },
    { args: withConfig("machine", "remove", NS, "codes", "--args", "1"), code: 2, stderr: /takes no --args/ },
    { args: ["machine", "frob"], code: 2, stderr: /unknown command "frob"\n\nusage: ratchet machine/ },
    {
      args: ["machine", "get", NS, "codes", "--db", join(directory, "missing.db")],
      code: 2,
      stderr: /no SQLite database at/,
    },
    {
      args: withConfig("machine", "start", NS, "codes", "--args", '"quiet"'),
      code: 1,
      stderr: /already exists/,
    },
    {
      args: withConfig("machine", "repair", NS, "codes", "--args", '"ok"'),
      code: 1,
      stderr: /is not failed/,
    },
  ];
  for (const { args, code, stderr } of cases) {
    const result = await runCli(args);
    assert.equal(result.code, code, `ratchet ${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, stderr, `ratchet ${args.join(" ")}`);
    assert.equal(result.stdout, "", `ratchet ${args.join(" ")} prints no result`);
  }
  const badConfig = join(directory, "bad.yaml");
  writeFileSync(
    badConfig,
    configText.replace("default_processing_timeout: 5s", "default_processing_timeout: 5"),
  );
  const result = await runCli(["machine", "get", NS, "codes", "--config", badConfig]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /namespaces\.NS\.default_processing_timeout: needs a unit/);
});

test("a failed machine shows its reason and previous status; repair and simple-repair bring it back", async () => {
  await runCliOk(withConfig("machine", "start", NS, "broken", "--args", '"quiet"'));
  const failedCall = await runCli(withConfig("machine", "call", NS, "broken", "--args", '"fail"'));
  assert.equal(failedCall.code, 1, failedCall.stderr);
  assert.match(failedCall.stderr, /is failed/);

  const failed = await machineJson("broken");
  assert.equal(failed.status, "failed");
  assert.equal(failed.failure?.previousStatus, "idle");
  assert.match(failed.failure?.reason ?? "", /HTTP 500/);
  assert.match(
    await runCliOk(withDb("machine", "search", NS, "--status", "failed")),
    /^broken {2}failed {2}events/m,
    "the operator finds the failed machine by status",
  );
  assert.match(
    await runCliOk(withDb("machine", "get", NS, "broken")),
    /^machine NS broken: failed\n {2}failure: .*HTTP 500.* simple repair returns it to idle\)\n/,
  );

  assert.equal(
    (await runCliOk(withConfig("machine", "repair", NS, "broken", "--args", '"ok"'))).trim(),
    '"ok"',
  );
  assert.equal((await machineJson("broken")).status, "idle");

  assert.equal((await runCli(withConfig("machine", "call", NS, "broken", "--args", '"fail"'))).code, 1);
  assert.equal((await runCliOk(withConfig("machine", "simple-repair", NS, "broken"))).trim(), "repaired");
  assert.equal((await machineJson("broken")).status, "idle");
});

test("notify stores a notification that a serving node delivers; remove deletes the machine (then get exits 3)", async () => {
  await runCliOk(withConfig("machine", "start", NS, "told", "--args", '"quiet"'));
  const notificationId = (
    await runCliOk(withConfig("machine", "notify", NS, "told", "--args", '"hello"'))
  ).trim();
  assert.match(notificationId, /^[0-9a-f-]{36}$/);
  assert.equal((await machineJson("told")).lastEventId, 0, "the CLI's own node runs no scheduler");

  const node = await createNodeFromConfig(parseConfig(configText, {}), { pollIntervalMs: 20 });
  try {
    const delivered = await waitFor(
      "the notification's event",
      async () => (await node.engine.get(NS, "told")).history[0],
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    assert.equal(unpack(delivered.data), "hello");
  } finally {
    await node.close();
  }
  assert.deepEqual((await machineJson("told")).events[0]?.data, { encoding: "json", value: "hello" });

  assert.equal(
    (await runCliOk(withConfig("machine", "remove", NS, "told", "--json"))).trim(),
    JSON.stringify({ namespace: NS, id: "told", done: "removed" }),
  );
  const gone = await runCli(withDb("machine", "get", NS, "told"));
  assert.equal(gone.code, 3);
});
