/**
 * Proves the operator's step commands as an operator runs them: real child processes of the built CLI against a
 * temporary SQLite file, MG's test processor over woody, and a second woody endpoint that answers every timer step
 * with 503 (resource unavailable), so timer steps fail transiently. A serving node in this process fires the
 * timers. `machine steps` pages the journal (table and JSON lines); `retry-now` runs the next try at once;
 * `pause`, `resume` and their refusals (exit 4 paused, 5 not paused or not retrying); a policy with
 * `on_exhausted: pause` pauses a machine by itself, and `machine get` shows the pause and the last steps.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startServing } from "../../src/cli/serve.js";
import { parseConfig } from "../../src/config/config.js";
import { createNodeFromConfig } from "../../src/runtime/node-from-config.js";
import { type LocalServer, listen } from "../mg/woody/local-http.js";
import { startTestProcessor, type TestProcessor } from "../mg/woody-e2e/mg-test-processor.js";
import { waitFor } from "../support/wait.js";
import { runCli, runCliOk } from "./cli-process.js";

let directory: string;
let processor: TestProcessor;
let unavailable: LocalServer;
let configText: string;
let configPath: string;
let databasePath: string;

function configYaml(processorUrl: string, downUrl: string, storage: string): string {
  const namespace = (retries: string) => `
    processor: {url: '${processorUrl}'}
    processors: {down: {url: '${downUrl}'}}
    routes: {timer: down}
    default_processing_timeout: 5s
    retries:
      timers: ${retries}`;
  return `
woody_server: {ip: 127.0.0.1, port: 0}
storage: ${storage}
namespaces:
  ops:${namespace("{type: intervals, timeouts: [1h, 1h, 1h]}")}
  halting:${namespace("{type: intervals, timeouts: [10ms], on_exhausted: pause}")}
`;
}

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-cli-operator-"));
  processor = await startTestProcessor({ sleepMs: 10 });
  unavailable = await listen((_request, response) => {
    response.writeHead(503);
    response.end();
  });
  databasePath = join(directory, "ratchet.db");
  configText = configYaml(processor.url, unavailable.url, `{type: sqlite, path: '${databasePath}'}`);
  configPath = join(directory, "ratchet.yaml");
  writeFileSync(configPath, configText);
});

after(async () => {
  await processor.close();
  await unavailable.close();
  rmSync(directory, { recursive: true, force: true });
});

const withConfig = (...args: string[]) => [...args, "--config", configPath];
const withDb = (...args: string[]) => [...args, "--db", databasePath];

interface StepLine {
  namespace: string;
  machineId: string;
  stepNumber: number;
  name: string;
  kind: string;
  processor: string | null;
  attempt: number;
  outcome: string;
  errorClass: string | null;
  errorText: string | null;
  durationMs: number;
}

async function stepsOf(namespace: string, id: string, ...page: string[]): Promise<StepLine[]> {
  const text = await runCliOk(withDb("machine", "steps", namespace, id, "--json", ...page));
  return text
    .trim()
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as StepLine);
}

async function statusOf(namespace: string, id: string): Promise<string> {
  return JSON.parse(await runCliOk(withDb("machine", "get", namespace, id, "--json"))).status;
}

/** Starts a machine, arms MG's 1 s timer, and lets a serving node fire it until `done` holds. */
async function timerFired(namespace: string, id: string, done: string): Promise<void> {
  await runCliOk(withConfig("machine", "start", namespace, id, "--args", '"quiet"'));
  await runCliOk(withConfig("machine", "call", namespace, id, "--args", '"set_timer"'));
  const node = await createNodeFromConfig(parseConfig(configText, {}), { pollIntervalMs: 20 });
  try {
    await waitFor(
      `${namespace}/${id} ${done}`,
      async () => (await node.engine.get(namespace, id)).status === done,
      {
        timeoutMs: 10_000,
        intervalMs: 20,
      },
    );
  } finally {
    await node.close();
  }
}

test("machine steps: the journal as a table and as JSON lines, paged forward and backward", async () => {
  await timerFired("ops", "paged", "retrying");
  const steps = await stepsOf("ops", "paged");
  assert.deepEqual(
    steps.map((step) => [step.stepNumber, step.name, step.kind, step.processor, step.attempt, step.outcome]),
    [
      [1, "init", "init", "default", 1, "committed"],
      [2, "call", "call", "default", 1, "committed"],
      [3, "timer", "timer", "down", 1, "transient_error"],
    ],
  );
  assert.equal(steps[2]?.errorClass, "processor_unavailable");
  assert.match(steps[2]?.errorText ?? "", /HTTP 503/);
  assert.ok(
    steps.every((step) => step.namespace === "ops" && step.machineId === "paged" && step.durationMs >= 0),
  );

  const table = await runCliOk(withDb("machine", "steps", "ops", "paged"));
  const [header, ...rows] = table.trimEnd().split("\n");
  assert.match(header ?? "", /^step +name +kind +processor +attempt +started +duration +outcome +error$/);
  assert.match(
    rows[2] ?? "",
    /^#3 +timer +timer +down +1 +\S+Z +[\d.]+m?s +transient_error +processor_unavailable: .*HTTP 503/,
  );

  assert.deepEqual(
    (await stepsOf("ops", "paged", "--limit", "2")).map((step) => step.stepNumber),
    [1, 2],
  );
  assert.match(
    await runCliOk(withDb("machine", "steps", "ops", "paged", "--limit", "2")),
    /more: --after 2\n$/,
  );
  assert.deepEqual(
    (await stepsOf("ops", "paged", "--after", "2")).map((step) => step.stepNumber),
    [3],
  );
  assert.deepEqual(
    (await stepsOf("ops", "paged", "--backward", "--limit", "2")).map((step) => step.stepNumber),
    [3, 2],
  );
  assert.deepEqual(
    (await stepsOf("ops", "paged", "--backward", "--after", "2")).map((step) => step.stepNumber),
    [1],
  );
  const missing = await runCli(withDb("machine", "steps", "ops", "absent"));
  assert.equal(missing.code, 3, missing.stderr);
  const badLimit = await runCli(withDb("machine", "steps", "ops", "paged", "--limit", "1001"));
  assert.equal(badLimit.code, 2);
  assert.match(badLimit.stderr, /--limit must be a whole number in 1\.\.1000/);
});

test("retry-now, pause and resume through the engine; refusals exit 4 (paused) and 5 (not paused, not retrying)", async () => {
  await timerFired("ops", "held", "retrying");
  assert.equal((await runCliOk(withConfig("machine", "retry-now", "ops", "held"))).trim(), "retrying now");
  // The CLI's node runs the try that is now due before it closes: a second transient failure.
  const afterRetry = (await stepsOf("ops", "held")).slice(3);
  assert.deepEqual(
    afterRetry.map((step) => [step.kind, step.attempt, step.outcome]),
    [
      ["retry_now", 1, "committed"],
      ["timer", 2, "transient_error"],
    ],
  );
  assert.equal(await statusOf("ops", "held"), "retrying");

  assert.equal(
    (await runCliOk(withConfig("machine", "pause", "ops", "held", "--reason", "bank outage"))).trim(),
    "paused",
  );
  const paused = JSON.parse(await runCliOk(withDb("machine", "get", "ops", "held", "--json")));
  assert.equal(paused.status, "paused");
  assert.equal(paused.pause.reason, "bank outage");
  assert.equal(paused.pause.by, "operator");
  assert.match(paused.pause.pausedAt, /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/);
  assert.equal(paused.retry, null, "a pause ends the retry series");
  assert.ok(paused.timer !== null, "the pending step is kept");
  assert.deepEqual(
    paused.recentSteps.map((step: StepLine) => step.kind),
    ["call", "timer", "retry_now", "timer", "pause"],
  );
  const text = await runCliOk(withDb("machine", "get", "ops", "held"));
  assert.match(
    text,
    /^machine ops held: paused\n {2}pause: bank outage \(by operator since \S+; machine resume/,
  );
  assert.match(text, /\n {2}steps: the last 5 of 6 \(machine steps shows the journal\)\n {4}step +name/);

  const refusals: { args: string[]; code: number; stderr: RegExp }[] = [
    {
      args: withConfig("machine", "call", "ops", "held", "--args", '"nop"'),
      code: 4,
      stderr: /is paused: bank outage/,
    },
    { args: withConfig("machine", "retry-now", "ops", "held"), code: 4, stderr: /is paused/ },
    { args: withConfig("machine", "pause", "ops", "held"), code: 2, stderr: /needs --reason TEXT/ },
    {
      args: withConfig("machine", "resume", "ops", "held", "--reason", "x"),
      code: 2,
      stderr: /takes no --reason/,
    },
    { args: withDb("machine", "resume", "ops", "held"), code: 2, stderr: /needs --config FILE/ },
    { args: withConfig("machine", "resume", "ops", "absent"), code: 3, stderr: /does not exist/ },
  ];
  for (const { args, code, stderr } of refusals) {
    const result = await runCli(args);
    assert.equal(result.code, code, `ratchet ${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, stderr, `ratchet ${args.join(" ")}`);
    assert.equal(result.stdout, "");
  }
  assert.equal(await statusOf("ops", "held"), "paused", "the refusals changed nothing");

  assert.equal((await runCliOk(withConfig("machine", "resume", "ops", "held"))).trim(), "resumed");
  // The pending timer was due: the CLI's node runs it at once, with a fresh series (attempt 1).
  const afterResume = (await stepsOf("ops", "held")).slice(6);
  assert.deepEqual(
    afterResume.map((step) => [step.kind, step.attempt, step.outcome]),
    [
      ["resume", 1, "committed"],
      ["timer", 1, "transient_error"],
    ],
  );
  const again = await runCli(withConfig("machine", "resume", "ops", "held"));
  assert.equal(again.code, 5, again.stderr);
  assert.match(again.stderr, /is not paused/);

  await runCliOk(withConfig("machine", "start", "ops", "calm", "--args", '"quiet"'));
  const notRetrying = await runCli(withConfig("machine", "retry-now", "ops", "calm", "--json"));
  assert.equal(notRetrying.code, 5, notRetrying.stderr);
  assert.match(notRetrying.stderr, /is not waiting or retrying/);
});

test("a policy with on_exhausted: pause pauses the machine by itself; machine get names the policy", async () => {
  await timerFired("halting", "tired", "paused");
  const machine = JSON.parse(await runCliOk(withDb("machine", "get", "halting", "tired", "--json")));
  assert.equal(machine.pause.by, "retries.timers");
  assert.match(machine.pause.reason, /^timer retries exhausted after 2 failures: .*HTTP 503/);
  assert.deepEqual(
    (await stepsOf("halting", "tired")).map((step) => [step.kind, step.attempt, step.outcome]),
    [
      ["init", 1, "committed"],
      ["call", 1, "committed"],
      ["timer", 1, "transient_error"],
      ["timer", 2, "transient_error"],
    ],
  );
  assert.equal(
    JSON.parse(await runCliOk(withConfig("machine", "resume", "halting", "tired", "--json"))).done,
    "resumed",
  );
});

test("ratchet serve warns that retries.processor has no effect, and serves anyway", async () => {
  const path = join(directory, "processor-retries.yaml");
  const yaml = [
    "woody_server: {ip: 127.0.0.1, port: 0}",
    "storage: {type: memory}",
    "namespaces:",
    "  plain:",
    `    processor: {url: '${processor.url}'}`,
    "    retries:",
    "      processor: {max_retries: 3}",
  ];
  writeFileSync(path, `${yaml.join("\n")}\n`);
  const warnings: string[] = [];
  const serving = await startServing({
    configPath: path,
    write: () => {},
    warn: (line) => warnings.push(line),
  });
  try {
    assert.deepEqual(
      warnings.filter((line) => line.includes("retries.processor")),
      [
        "warning: namespaces.plain.retries.processor has no effect: MG itself never read it; a failed processor call is retried under retries.timers, retries.notifications or a step's retry",
      ],
    );
  } finally {
    await serving.stop();
  }
});
