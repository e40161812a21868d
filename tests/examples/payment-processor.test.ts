/**
 * Runs the example as its README says, each part a child process: the payment processor written with the SDK
 * (dist/examples/payment-processor/main.js) and `ratchet serve` with the example's own configuration (only its
 * ports and database file changed), which reaches the processor over HTTP-JSON. A woody Automaton client drives
 * payments through init, the risk check and the bank step (timer steps, the bank's lost answer retried under the
 * same step key), calls, and the bank's verdict as a notification, to the capture; and a risky one to its decline.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { valueFromNaturalJson, valueToNaturalJson } from "../../src/mg/msgpack/natural-json.js";
import type { msgpack } from "../../src/mg/thrift/generated/index.js";
import { type AutomatonClient, automatonClient, descriptor } from "../mg/woody-e2e/harness.js";
import { waitFor } from "../support/wait.js";

const DIST = fileURLToPath(new URL("../../", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const NS = "payments";

interface Child {
  readonly process: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

const children: Child[] = [];
let directory: string;
let processor: Child;
let ratchet: Child;
let automaton: AutomatonClient;

function run(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Child {
  const child = spawn(process.execPath, args, { stdio: "pipe", env, cwd: ROOT });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const started = { process: child, output: () => output, exited };
  children.push(started);
  return started;
}

const urlPrinted = (child: Child, pattern: RegExp) =>
  waitFor(`${pattern} in the output`, () => pattern.exec(child.output())?.[1], {
    timeoutMs: 15_000,
    intervalMs: 20,
  });

/** The example's ratchet.yaml with only its ports and database file changed; each change must apply. */
function exampleConfig(processorUrl: string): string {
  let text = readFileSync(join(ROOT, "examples/payment-processor/ratchet.yaml"), "utf8");
  for (const [from, to] of [
    ["url: http://127.0.0.1:8080/process", `url: ${processorUrl}/process`],
    ["port: 8022", "port: 0"],
    ["path: ./data/payments.db", `path: ${join(directory, "payments.db")}`],
  ]) {
    assert.ok(text.includes(from as string), `the example's configuration has ${from}`);
    text = text.replace(from as string, to as string);
  }
  return text;
}

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-payment-example-"));
  processor = run([join(DIST, "examples/payment-processor/main.js")], { ...process.env, PORT: "0" });
  const processorUrl = await urlPrinted(processor, /payment processor listening on (http:\/\/\S+)/);
  const configPath = join(directory, "ratchet.yaml");
  writeFileSync(configPath, exampleConfig(processorUrl));
  ratchet = run([join(DIST, "src/cli/main.js"), "serve", "--config", configPath]);
  const ratchetUrl = await urlPrinted(ratchet, /listening on (http:\/\/\S+)/);
  automaton = automatonClient(`${ratchetUrl}/v1/automaton`);
});

after(async () => {
  automaton?.close();
  for (const child of children) {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGKILL");
  }
  rmSync(directory, { recursive: true, force: true });
});

const value = (json: unknown): msgpack.Value => valueFromNaturalJson(json);
const json = (data: msgpack.Value) => valueToNaturalJson(data);

async function eventsOf(id: string): Promise<unknown[]> {
  const machine = await automaton.call("GetMachine", { desc: descriptor(id, {}, NS) });
  return machine.history.map((event) => json(event.data));
}

const eventsReach = (id: string, count: number) =>
  waitFor(`${count} events of ${id}`, async () => {
    const events = await eventsOf(id);
    return events.length >= count ? events : undefined;
  });

test("a payment goes through init, the risk check, the bank step, the bank's notification and the capture", async () => {
  await automaton.call("Start", { ns: NS, id: "pay-1", a: value(5000) });
  const requested = await eventsReach("pay-1", 3);
  assert.deepEqual(requested.slice(0, 2), [{ type: "created", amount: 5000 }, { type: "risk_checked" }]);
  const bankStep = requested[2] as { type: string; reference: string; attempt: number };
  assert.equal(bankStep.type, "bank_requested");
  assert.equal(bankStep.attempt, 2, "the bank's lost answer made Ratchet retry the timer step");
  const status = await automaton.call("Call", { desc: descriptor("pay-1", {}, NS), a: value("status") });
  assert.deepEqual(json(status), { stage: "awaiting_bank", amount: 5000, events: 3, bankAuthorizations: 1 });

  await automaton.call("Notify", { desc: descriptor("pay-1", {}, NS), a: value("approved") });
  const captured = await eventsReach("pay-1", 5);
  assert.deepEqual(captured.slice(3), [{ type: "authorized" }, { type: "captured" }]);
  const final = await automaton.call("Call", { desc: descriptor("pay-1", {}, NS), a: value("status") });
  assert.deepEqual(json(final), { stage: "captured", amount: 5000, events: 5, bankAuthorizations: 1 });
  const machine = await automaton.call("GetMachine", { desc: descriptor("pay-1", {}, NS) });
  assert.deepEqual(machine.status, { working: {} });
  assert.equal(machine.timer, undefined, "a captured payment waits for nothing");
});

test("a payment above the risk limit is declined by the risk check; the bank never sees it", async () => {
  await automaton.call("Start", { ns: NS, id: "pay-risky", a: value(250_000) });
  const declined = await eventsReach("pay-risky", 2);
  assert.deepEqual(declined, [
    { type: "created", amount: 250_000 },
    { type: "declined", reason: "risk" },
  ]);
  const status = await automaton.call("Call", { desc: descriptor("pay-risky", {}, NS), a: value("status") });
  assert.deepEqual(json(status), { stage: "declined", amount: 250_000, events: 2, bankAuthorizations: 1 });
});

test("SIGTERM stops ratchet serve and the processor, each exiting 0", async () => {
  ratchet.process.kill("SIGTERM");
  assert.equal(await ratchet.exited, 0, ratchet.output());
  processor.process.kill("SIGTERM");
  assert.equal(await processor.exited, 0, processor.output());
  assert.match(processor.output(), /payment processor stopped\n$/);
});
