/**
 * Proves `ratchet flow NS` as an operator runs it: a real child process of the built CLI folds the journal that
 * real steps wrote (MG's test processor over woody, a serving node in this process firing the timers) into the
 * namespace's flow. The test counts its own steps: two machines go init → call → timer, a third fails its call
 * and is simple-repaired. With --config the declared flow shows beside the observed one (a declared transition
 * never seen has 0, the repair is observed only); with --db alone there is none. JSON, Mermaid, windows by
 * duration and by ISO instant, and bad arguments.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parseConfig } from "../../src/config/config.js";
import { createNodeFromConfig } from "../../src/runtime/node-from-config.js";
import { startTestProcessor, type TestProcessor } from "../mg/woody-e2e/mg-test-processor.js";
import { waitFor } from "../support/wait.js";
import { runCli, runCliOk } from "./cli-process.js";

let directory: string;
let processor: TestProcessor;
let configPath: string;
let databasePath: string;

const withConfig = (...args: string[]) => [...args, "--config", configPath];
const withDb = (...args: string[]) => [...args, "--db", databasePath];

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-cli-flow-"));
  processor = await startTestProcessor({ sleepMs: 10 });
  databasePath = join(directory, "ratchet.db");
  const configText = `
woody_server: {ip: 127.0.0.1, port: 0}
storage: {type: sqlite, path: '${databasePath}'}
namespaces:
  pay:
    processor: {url: '${processor.url}'}
    default_processing_timeout: 5s
    flow:
      steps: [init, call, timer]
      transitions:
        init: [call]
        call: [timer]
        timer: [call]
`;
  configPath = join(directory, "ratchet.yaml");
  writeFileSync(configPath, configText);
  for (const id of ["a", "b", "c"])
    await runCliOk(withConfig("machine", "start", "pay", id, "--args", '"quiet"'));
  for (const id of ["a", "b"])
    await runCliOk(withConfig("machine", "call", "pay", id, "--args", '"set_timer"'));
  assert.equal((await runCli(withConfig("machine", "call", "pay", "c", "--args", '"fail"'))).code, 1);
  await runCliOk(withConfig("machine", "simple-repair", "pay", "c"));
  const node = await createNodeFromConfig(parseConfig(configText, {}), { pollIntervalMs: 20 });
  try {
    for (const id of ["a", "b"]) {
      await waitFor(
        `the timer of ${id}`,
        async () => (await node.engine.get("pay", id)).history.length === 2,
        {
          timeoutMs: 10_000,
          intervalMs: 20,
        },
      );
    }
  } finally {
    await node.close();
  }
});

after(async () => {
  await processor.close();
  rmSync(directory, { recursive: true, force: true });
});

interface Figures {
  count: number;
  attempts: number;
  failureRate: number;
  retryRate: number;
  declared: boolean | null;
}

test("flow --format json: the steps and transitions the test made, declared against observed", async () => {
  const flow = JSON.parse(await runCliOk(withConfig("flow", "pay", "--format", "json")));
  assert.equal(flow.namespace, "pay");
  assert.equal(flow.declared, true);
  assert.equal(flow.truncated, false);
  assert.equal(flow.entries, 9, "3 inits, 3 calls, 2 timers and 1 simple repair");
  const nodes = Object.fromEntries(
    flow.nodes.map((node: Figures & { step: string }) => [
      node.step,
      [node.count, node.attempts, node.failureRate, node.declared],
    ]),
  );
  assert.deepEqual(nodes, {
    init: [3, 3, 0, true],
    call: [3, 3, 1 / 3, true],
    timer: [2, 2, 0, true],
    simple_repair: [1, 1, 0, false],
  });
  const edges = Object.fromEntries(
    flow.edges.map((edge: Figures & { from: string; to: string }) => [
      `${edge.from}→${edge.to}`,
      [edge.count, edge.declared],
    ]),
  );
  assert.deepEqual(edges, {
    "init→call": [3, true],
    "call→timer": [2, true],
    "call→simple_repair": [1, false],
    "timer→call": [0, true],
  });
  assert.match(flow.since, /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/);
  assert.ok(Date.parse(flow.until) - Date.parse(flow.since) === 3_600_000, "an hour up to now by default");
});

test("flow as text: tables of steps and transitions; --db alone has no declared flow", async () => {
  const text = await runCliOk(withConfig("flow", "pay"));
  const lines = text.trimEnd().split("\n");
  assert.match(lines[0] ?? "", /^flow of pay from \S+Z to \S+Z: 9 journal entries$/);
  assert.match(text, /\nstep +declared +visits +attempts +p50 +p95 +failed +retried\n/);
  assert.match(text, /\ncall +yes +3 +3 +\S+ +\S+ +33\.3% +0%\n/);
  assert.match(text, /\nsimple_repair +no +1 +1 /);
  assert.match(text, /\ntransition +declared +count +attempts/);
  assert.match(text, /\ntimer → call +yes +0 +0 +- +- +- +-\n?/);
  const plain = await runCliOk(withDb("flow", "pay"));
  assert.match(plain, /\nno declared flow\n/);
  assert.match(plain, /\nstep +visits +attempts +p50/);
  assert.doesNotMatch(plain, /timer → call/, "without the declaration an unseen transition is not shown");
});

test("flow --format mermaid, windows by duration and ISO instant, and bad arguments", async () => {
  const mermaid = await runCliOk(withDb("flow", "pay", "--format", "mermaid"));
  assert.match(mermaid, /^flowchart LR\n/);
  assert.match(mermaid, /\|3\|/);
  const long = JSON.parse(await runCliOk(withDb("flow", "pay", "--since", "2d", "--format", "json")));
  assert.equal(long.entries, 9);
  const past = await runCliOk(withDb("flow", "pay", "--since", "2d", "--until", "1d"));
  assert.match(past, /: 0 journal entries\n[^\n]*\nno steps in the window\n$/);
  const sinceIso = new Date(Date.now() - 3_600_000).toISOString();
  const iso = JSON.parse(await runCliOk(withDb("flow", "pay", "--since", sinceIso, "--format", "json")));
  assert.equal(Date.parse(iso.since), Date.parse(sinceIso));
  assert.equal(iso.entries, 9);
  const cases: { args: string[]; code: number; stderr: RegExp }[] = [
    {
      args: withDb("flow", "pay", "--format", "dot"),
      code: 2,
      stderr: /--format must be one of text, json, mermaid/,
    },
    {
      args: withDb("flow", "pay", "--since", "yesterday"),
      code: 2,
      stderr: /--since must be a duration before now/,
    },
    {
      args: withDb("flow", "pay", "--since", "1h", "--until", "2h"),
      code: 2,
      stderr: /must come before its end/,
    },
    { args: withConfig("flow", "nowhere"), code: 3, stderr: /namespace "nowhere"/ },
    { args: withDb("flow"), code: 2, stderr: /missing NS/ },
  ];
  for (const { args, code, stderr } of cases) {
    const result = await runCli(args);
    assert.equal(result.code, code, `ratchet ${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, stderr, `ratchet ${args.join(" ")}`);
  }
});
