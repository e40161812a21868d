/**
 * Ports MG's woody suite `mg_tests_SUITE` (groups base, repair, timers, deadline) to Ratchet: a node built from an
 * MG-format configuration serves the Automaton API over real HTTP, a woody client calls it, and MG's test
 * processor answers over woody; each test makes MG's calls in MG's order and expects MG's answers.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MG_SCHEMA, stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import { encodeCall } from "../../../src/mg/thrift/message.js";
import { serviceSchemaOf } from "../../../src/mg/thrift/schema.js";
import { formatDeadline } from "../../../src/mg/woody/deadline.js";
import { waitFor } from "../../support/wait.js";
import { rawRequest, woodyHeaders } from "../woody/local-http.js";
import {
  bodies,
  businessErrorOf,
  descriptor,
  type E2eNode,
  NS,
  startE2eNode,
  systemErrorOf,
} from "./harness.js";
import { bin, EVENT_FORMAT_VERSION, textOf } from "./mg-test-processor.js";

/** MG's DEADLINE_TIMEOUT is 1 s and `sleep` takes twice that; scaled down, the ratio kept. */
const SLEEP_MS = 600;

let e2e: E2eNode;

before(async () => {
  e2e = await startE2eNode({ sleepMs: SLEEP_MS });
});

after(() => e2e.close());

const start = (id: string, arg = bin(id), ns = NS) => e2e.automaton.call("Start", { ns, id, a: arg });
const call = (id: string, command: string) =>
  e2e.automaton.call("Call", { desc: descriptor(id), a: bin(command) }).then(textOf);
const getMachine = (id: string, range: stateProcessing.HistoryRange = {}) =>
  e2e.automaton.call("GetMachine", { desc: descriptor(id, range) });

describe("base", () => {
  const ID = "ID-base";
  test("namespace_not_found: Start in an unknown namespace", async () => {
    assert.equal(await businessErrorOf(start(ID, bin("tag"), "incorrect_NS")), "NamespaceNotFound");
  });

  test("machine_id_not_found and machine_empty_id_not_found: Call answers MachineNotFound", async () => {
    assert.equal(await businessErrorOf(call("incorrect_ID", "nop")), "MachineNotFound");
    assert.equal(await businessErrorOf(call("", "nop")), "MachineNotFound");
  });

  test("machine_start_empty_id: Start with an empty id is a woody system error (500), not an exception", async () => {
    const error = await systemErrorOf(start(""));
    assert.equal(error.errorClass, "result unexpected");
    assert.match(error.details, /HTTP 500/);
  });

  test("machine_start, machine_already_exists, machine_call_by_id", async () => {
    await start(ID);
    assert.equal(await businessErrorOf(start(ID, bin("tag"))), "MachineAlreadyExists");
    assert.equal(await businessErrorOf(call("incorrect_ID", "nop")), "MachineNotFound");
    assert.equal(await call(ID, "nop"), "nop");
  });

  test("machine_remove: Remove, then the machine is not found", async () => {
    await e2e.automaton.call("Remove", { ns: NS, id: ID });
    assert.equal(await businessErrorOf(call(ID, "nop")), "MachineNotFound");
    assert.equal(await businessErrorOf(e2e.automaton.call("Remove", { ns: NS, id: ID })), "MachineNotFound");
  });

  test("machine_remove_by_action: a call answering RemoveAction removes the machine after replying", async () => {
    await start(ID);
    assert.equal(await call(ID, "nop"), "nop");
    assert.equal(await call(ID, "remove"), "remove");
    assert.equal(await businessErrorOf(call(ID, "nop")), "MachineNotFound");
  });
});

describe("repair", () => {
  const ID = "ID-repair";
  test("failed_machine_start: a crashing init answers MachineFailed and leaves nothing", async () => {
    assert.equal(await businessErrorOf(start(ID, bin("fail"))), "MachineFailed");
    assert.equal(await businessErrorOf(call(ID, "nop")), "MachineNotFound");
  });

  test("machine_start_timeout: an init past the deadline is a woody error and leaves nothing", async () => {
    const deadlineUs = Date.now() * 1000 + 500_000;
    const error = await systemErrorOf(
      e2e.automaton.call("Start", { ns: NS, id: ID, a: bin("timeout") }, { deadlineUs }),
    );
    assert.equal(error.errorClass, "result unknown");
    assert.equal(await businessErrorOf(call(ID, "nop")), "MachineNotFound");
  });

  test("machine_processor_error, status failed, failed_machine_call, repair error, business error, repair", async () => {
    await start(ID);
    assert.equal(await businessErrorOf(call(ID, "fail")), "MachineFailed");
    const failed = await getMachine(ID);
    assert.ok(failed.status?.failed !== undefined, "GetMachine shows the machine failed");
    assert.match(failed.status.failed.reason ?? "", /HTTP 500/);
    assert.equal(await businessErrorOf(call(ID, "ok")), "MachineFailed");
    const repair = (command: string) =>
      e2e.automaton.call("Repair", { desc: descriptor(ID), a: bin(command) }).then(textOf);
    assert.equal(await businessErrorOf(repair("error")), "MachineFailed");
    await assert.rejects(repair("business_error"), (error: { typeName?: string; exception?: unknown }) => {
      assert.equal(error.typeName, "RepairFailed");
      assert.deepEqual(error.exception, { reason: bin("because") });
      return true;
    });
    assert.equal(await repair("ok"), "ok");
    assert.deepEqual((await getMachine(ID)).status, { working: {} });
    assert.equal(await call(ID, "nop"), "nop");
    assert.equal(await businessErrorOf(repair("ok")), "MachineAlreadyWorking");
    await e2e.automaton.call("Remove", { ns: NS, id: ID });
  });

  test("failed_machine_simple_repair: back to work without calling the processor", async () => {
    await start(ID);
    assert.equal(await businessErrorOf(call(ID, "fail")), "MachineFailed");
    const before = e2e.processor.received.length;
    await e2e.automaton.call("SimpleRepair", { ns: NS, ref: { id: ID } });
    assert.equal(e2e.processor.received.length, before, "SimpleRepair calls no processor");
    assert.equal(await call(ID, "nop"), "nop");
    const simpleRepairAgain = e2e.automaton.call("SimpleRepair", { ns: NS, ref: { id: ID } });
    assert.equal(await businessErrorOf(simpleRepairAgain), "MachineAlreadyWorking");
    await e2e.automaton.call("Remove", { ns: NS, id: ID });
  });
});

describe("timers", () => {
  const ID = "ID-timers";
  test("handle_timer: the timer's event appears after the call that set it", async () => {
    await start(ID);
    const initial = (await getMachine(ID)).history;
    assert.equal(await call(ID, "set_timer"), "set_timer");
    const armed = await getMachine(ID);
    assert.deepEqual(bodies(armed.history.slice(initial.length)), ["timer_body"]);
    assert.match(armed.timer ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, "the timer in whole seconds");
    const fired = await waitFor(
      "the timer event",
      async () => {
        const { history } = await getMachine(ID);
        return history.length === initial.length + 2 ? history : undefined;
      },
      { timeoutMs: 5000, intervalMs: 50 },
    );
    assert.deepEqual(bodies(fired.slice(initial.length)), ["timer_body", "handle_timer_body"]);
    assert.equal((await getMachine(ID)).timer, undefined, "a timer fires once");
    for (const event of fired) {
      assert.equal(event.format_version, EVENT_FORMAT_VERSION);
      assert.match(event.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$/);
    }
    await e2e.automaton.call("Remove", { ns: NS, id: ID });
  });
});

describe("deadline", () => {
  const ID = "ID-deadline";
  test("success_call_with_deadline: a slow call within its deadline succeeds", async () => {
    await start(ID);
    const deadlineUs = Date.now() * 1000 + SLEEP_MS * 3 * 1000;
    const response = await e2e.automaton.call(
      "Call",
      { desc: descriptor(ID), a: bin("sleep") },
      { deadlineUs },
    );
    assert.equal(textOf(response), "sleep");
  });

  test("timeout_call_with_deadline: past woody.deadline the server answers 504, then Repair is AlreadyWorking", async () => {
    // A raw request, so that only the server's answer counts: the client sets no timeout of its own.
    const method = serviceSchemaOf(MG_SCHEMA, stateProcessing.SERVICE.Automaton).functions.Call;
    assert.ok(method !== undefined);
    const body = encodeCall(MG_SCHEMA, method, { desc: descriptor(ID), a: bin("sleep") }, { seqid: 0 });
    const deadline = formatDeadline(Date.now() * 1000 + (SLEEP_MS / 2) * 1000);
    const answer = await rawRequest({
      url: e2e.automatonUrl,
      headers: woodyHeaders({ "woody.deadline": deadline }),
      body,
    });
    assert.equal(answer.status, 504);
    assert.equal(answer.headers["woody.error-class"], "Result Unknown");
    const repair = e2e.automaton.call("Repair", { desc: descriptor(ID), a: bin("ok") });
    assert.equal(await businessErrorOf(repair), "MachineAlreadyWorking");
  });
});
