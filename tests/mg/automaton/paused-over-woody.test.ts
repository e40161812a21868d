/**
 * A paused machine as an MG client sees it, through the real Automaton woody API of a node's HTTP server (SQLite
 * file, local processor): paused by an operator (Engine.pause) or by an exhausted `onExhausted: "pause"` policy,
 * GetMachine reads it as failed with a reason that begins "paused: ", a Call gets MachineFailed, and Repair or
 * SimpleRepair resumes it, after which it is working and its pending timer runs. MG's lifecycle sink, relayed to a
 * stream of its own on the real NATS server, publishes the pause as failed and the resume as repaired (working).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ProcessorUnavailableError } from "../../../src/core/errors.js";
import type { NamespaceOptions } from "../../../src/engine/namespace.js";
import { createHttpServer, type RatchetHttpServer } from "../../../src/http/http-server.js";
import { lifecycleSink, MG_SCHEMA, type stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import { decodeStruct } from "../../../src/mg/thrift/struct-decoder.js";
import { localProcessor, timer } from "../../../src/processors/local-processor.js";
import { pack, unpack } from "../../../src/processors/payload.js";
import type { RatchetNode } from "../../../src/runtime/create-node.js";
import { createNode } from "../../../src/runtime/create-node.js";
import { NatsSink } from "../../../src/sinks/nats/nats-sink.js";
import { NATS_URL, StreamReader } from "../../support/nats-stream.js";
import { waitFor } from "../../support/wait.js";
import { nowUs } from "../woody/local-http.js";
import { type AutomatonClient, automatonClient, businessErrorOf, descriptor } from "../woody-e2e/harness.js";

const NS = "pay";
/** How far ahead the operator-paused machines' timer is: long enough to pause them before it is due. */
const TIMER_AHEAD_MS = 1000;
/** Machines whose bank step fails transiently, until the test brings the bank back. */
const bankDown = new Set<string>();
const stream = `paused_${randomBytes(4).toString("hex")}`;

let directory: string;
let reader: StreamReader;
let node: RatchetNode;
let server: RatchetHttpServer;
let automaton: AutomatonClient;

/**
 * Init arms the timer: `later` in TIMER_AHEAD_MS, `bank` at once for the named step `bank`. The timer step
 * appends "timer ran" (or fails transiently while the machine's bank is down); a repair appends "repaired" and
 * leaves the timer as it is.
 */
function pausedNamespace(): NamespaceOptions {
  const processor = localProcessor({
    init: ({ args }) => ({
      events: [{ data: pack("created") }],
      timer: unpack(args) === "bank" ? timer.now({ step: "bank" }) : timer.after(TIMER_AHEAD_MS),
    }),
    timer: ({ machine }) => {
      if (bankDown.has(machine.id)) throw new ProcessorUnavailableError("the bank is down");
      return { events: [{ data: pack("timer ran") }], timer: timer.unset() };
    },
    call: () => ({ events: [{ data: pack("called") }], response: pack("called") }),
    repair: () => ({ events: [{ data: pack("repaired") }], response: pack("repaired") }),
  });
  return {
    name: NS,
    processor,
    lifecycleSinks: ["nats"],
    steps: {
      bank: {
        retryPolicy: {
          backoff: { kind: "linear", initialIntervalMs: 10, incrementMs: 0 },
          maxAttempts: 2,
          onExhausted: "pause",
        },
      },
    },
  };
}

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-paused-"));
  reader = await StreamReader.open();
  const sink = new NatsSink({
    name: "nats",
    servers: NATS_URL,
    stream,
    subjectPrefix: stream,
    ackTimeoutMs: 2000,
  });
  node = await createNode({
    storage: { kind: "sqlite", path: join(directory, "paused.db") },
    namespaces: () => [pausedNamespace()],
    sinks: [sink],
    relay: { backoffMsMax: 200 },
    pollIntervalMs: 100,
  });
  server = createHttpServer({ engine: node.engine, nowUs });
  const address: AddressInfo = await server.listen(0, "127.0.0.1");
  automaton = automatonClient(`http://127.0.0.1:${address.port}/v1/automaton`);
});

after(async () => {
  automaton.close();
  await server.close({ timeoutMs: 2000 });
  await node.close({ drainTimeoutMs: 2000 });
  await reader.deleteStream(stream);
  await reader.close();
  rmSync(directory, { recursive: true, force: true });
});

const getMachine = (id: string) => automaton.call("GetMachine", { desc: descriptor(id, {}, NS) });

function historyText(machine: stateProcessing.Machine): string[] {
  return machine.history.map((event) => event.data.str ?? "?");
}

/** The machine's lifecycle changes as MG's lifecycle sink published them, decoded from the stream. */
async function lifecycleOf(id: string): Promise<string[]> {
  const messages = await reader.messages(stream);
  return messages
    .filter((message) => message.machineId === id && message.lifecycle !== null)
    .map((message) => {
      const event = decodeStruct(MG_SCHEMA, lifecycleSink.STRUCT.LifecycleEvent, message.data);
      const status = event.data.machine?.status_changed?.new_status;
      if (status?.failed !== undefined) return `failed: ${status.failed.reason}`;
      if (status?.working !== undefined) return "working";
      return message.lifecycle as string;
    });
}

/** Resumes the paused machine over woody, the one way or the other. */
async function resume(id: string, how: "Repair" | "SimpleRepair"): Promise<void> {
  if (how === "SimpleRepair") {
    await automaton.call("SimpleRepair", { ns: NS, ref: { id } });
    return;
  }
  const response = await automaton.call("Repair", { desc: descriptor(id, {}, NS), a: { str: "fix" } });
  assert.equal(response.str, "repaired");
}

/** What each test checks of a paused machine over woody, then of its resume. */
async function checkPausedThenResumed(id: string, how: "Repair" | "SimpleRepair", reason: RegExp) {
  const paused = await getMachine(id);
  const failed = paused.status?.failed;
  assert.ok(failed !== undefined, `${id} reads as failed over woody`);
  assert.match(failed.reason ?? "", /^paused: /);
  assert.match(failed.reason ?? "", reason);
  assert.ok(paused.timer !== undefined, "the pending step's timer is kept while paused");
  assert.deepEqual(historyText(paused), ["created"], "the timer step has not run while paused");
  assert.equal(
    await businessErrorOf(automaton.call("Call", { desc: descriptor(id, {}, NS), a: { str: "c" } })),
    "MachineFailed",
  );

  await resume(id, how);
  const ran = await waitFor(`${id}'s pending timer to run`, async () => {
    const machine = await getMachine(id);
    return historyText(machine).includes("timer ran") && machine;
  });
  assert.deepEqual(ran.status, { working: {} });
  const expected = how === "Repair" ? ["created", "repaired", "timer ran"] : ["created", "timer ran"];
  assert.deepEqual(historyText(ran), expected);
  const call = await automaton.call("Call", { desc: descriptor(id, {}, NS), a: { str: "c" } });
  assert.equal(call.str, "called");

  const published = await waitFor(`${id}'s lifecycle to reach the stream`, async () => {
    const changes = await lifecycleOf(id);
    return changes.length >= 3 && changes;
  });
  assert.equal(published.length, 3);
  assert.equal(published[0], "created");
  assert.equal(
    published[1],
    `failed: ${failed.reason}`,
    "the pause is published as the failure GetMachine shows",
  );
  assert.equal(published[2], "working");
}

test("an operator's pause reads over woody as failed, paused: …; Call gets MachineFailed; Repair and SimpleRepair resume it and its timer runs; the lifecycle sink says failed, then repaired", async () => {
  const ids = { "operator-simple": "SimpleRepair", "operator-repair": "Repair" } as const;
  for (const id of Object.keys(ids)) {
    await automaton.call("Start", { ns: NS, id, a: { str: "later" } });
    await node.engine.pause(NS, id, "bank outage");
  }
  const dueAtMs = Date.now() + TIMER_AHEAD_MS;
  // The timers fall due while the machines are paused: nothing may run them.
  await waitFor("the paused machines' timers to fall due", () => Date.now() > dueAtMs + 200, {
    timeoutMs: TIMER_AHEAD_MS + 2000,
  });
  for (const [id, how] of Object.entries(ids)) {
    const { status, record } = await node.engine.get(NS, id);
    assert.equal(status, "paused");
    assert.equal(record.pause?.by, "operator");
    await checkPausedThenResumed(id, how, /^paused: bank outage$/);
  }
  const journal = await node.engine.steps(NS, "operator-simple");
  assert.deepEqual(
    journal.map((entry) => entry.kind),
    ["init", "pause", "simple_repair", "timer", "call"],
  );
});

test("a pause by an exhausted onExhausted: pause policy reads over woody as failed, paused: …; Repair and SimpleRepair resume it and the pending step runs; the lifecycle sink says failed, then repaired", async () => {
  const ids = { "exhausted-simple": "SimpleRepair", "exhausted-repair": "Repair" } as const;
  for (const id of Object.keys(ids)) {
    bankDown.add(id);
    await automaton.call("Start", { ns: NS, id, a: { str: "bank" } });
  }
  for (const [id, how] of Object.entries(ids)) {
    const { record } = await waitFor(`${id} to be paused by its policy`, async () => {
      const snapshot = await node.engine.get(NS, id);
      return snapshot.status === "paused" && snapshot;
    });
    assert.equal(record.pause?.by, "steps.bank.retry");
    assert.equal(record.timer?.step, "bank");
    bankDown.delete(id);
    await checkPausedThenResumed(id, how, /timer retries exhausted after 3 failures: .*the bank is down/);
  }
  const journal = await node.engine.steps(NS, "exhausted-repair");
  assert.deepEqual(
    journal.map((entry) => [entry.kind, entry.name, entry.attempt]),
    [
      ["init", "init", 1],
      ["timer", "bank", 1],
      ["timer", "bank", 2],
      ["timer", "bank", 3],
      ["repair", "repair", 1],
      ["timer", "bank", 1],
      ["call", "call", 1],
    ],
  );
});
