/**
 * Proves `ratchet serve --config FILE` as an operator runs it: a real child process reads an MG-format file (an
 * ignored MG key is warned about), prints where it listens, serves Start, Call and GetMachine to a woody client
 * with MG's test processor in this process, and on SIGTERM finishes the call in flight and exits 0; a bad
 * configuration exits 2 naming the bad key.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { waitFor } from "../../support/wait.js";
import { automatonClient, descriptor, e2eConfigYaml, NS } from "./harness.js";
import { bin, startTestProcessor, type TestProcessor, textOf } from "./mg-test-processor.js";

const CLI = fileURLToPath(new URL("../../../src/cli/main.js", import.meta.url));

let directory: string;
let processor: TestProcessor;
const children: ChildProcess[] = [];

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-serve-"));
  processor = await startTestProcessor({ sleepMs: 500 });
});

after(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await processor.close();
  rmSync(directory, { recursive: true, force: true });
});

interface Served {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function serve(configText: string): Served {
  const configPath = join(directory, `config-${children.length}.yaml`);
  writeFileSync(configPath, configText);
  const child = spawn(process.execPath, [CLI, "serve", "--config", configPath], { stdio: "pipe" });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

test("serve: start, call and get over woody, then SIGTERM drains the call in flight and exits 0", async () => {
  const config = `${e2eConfigYaml({
    processorUrl: processor.url,
    modernizerUrl: processor.modernizerUrl,
    storage: `  type: sqlite\n  path: ${join(directory, "serve.db")}`,
  })}
erlang:
  secret_cookie_file: /opt/machinegun/etc/cookie
`;
  const served = serve(config);
  const url = await waitFor(
    "the listening line",
    () => /listening on (http:\/\/\S+)/.exec(served.stdout())?.[1],
    { timeoutMs: 15_000, intervalMs: 20 },
  );
  assert.match(served.stderr(), /warning: erlang has no effect/);
  const automaton = automatonClient(`${url}/v1/automaton`);
  try {
    await automaton.call("Start", { ns: NS, id: "served", a: bin("start") });
    assert.equal(textOf(await automaton.call("Call", { desc: descriptor("served"), a: bin("nop") })), "nop");
    const machine = await automaton.call("GetMachine", { desc: descriptor("served") });
    assert.deepEqual(machine.status, { working: {} });
    const slow = automaton.call("Call", { desc: descriptor("served"), a: bin("sleep") });
    await waitFor("the slow call at the processor", () =>
      processor.received.some((call) => call.arg !== undefined && textOf(call.arg) === "sleep"),
    );
    served.child.kill("SIGTERM");
    assert.equal(textOf(await slow), "sleep", "the call in flight is answered");
    assert.equal(await served.exited, 0);
    assert.match(served.stdout(), /stopping: draining requests and steps in flight\nstopped\n$/);
  } finally {
    automaton.close();
  }
});

test("serve with a bad configuration exits 2 naming the key", async () => {
  const bad = e2eConfigYaml({ processorUrl: processor.url, modernizerUrl: processor.modernizerUrl }).replace(
    "default_processing_timeout: 5s",
    "default_processing_timeout: 5",
  );
  const served = serve(bad);
  assert.equal(await served.exited, 2);
  assert.match(served.stderr(), /namespaces\.NS\.default_processing_timeout: needs a unit/);
});

test("serve without --config prints the usage and exits 2", async () => {
  const child = spawn(process.execPath, [CLI, "serve"], { stdio: "pipe" });
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  assert.equal(code, 2);
  assert.match(stderr, /serve needs --config FILE/);
});
