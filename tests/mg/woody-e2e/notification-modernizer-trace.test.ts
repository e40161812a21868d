/**
 * Proves Notify, Modernize and trace propagation end to end over real HTTP: Notify returns an id and the
 * notification signal reaches the woody processor with its args (MachineNotFound for a missing machine); Modernize
 * upgrades events through a woody Modernizer (NamespaceNotFound where none is configured); and a Call sent with
 * trace headers and `woody.meta.user-identity.id` that sets a timer makes the later timeout ProcessSignal carry
 * the same trace id and metadata, with the caller's span as parent.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MG_SCHEMA, stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import { encodeCall } from "../../../src/mg/thrift/message.js";
import { serviceSchemaOf } from "../../../src/mg/thrift/schema.js";
import { waitFor } from "../../support/wait.js";
import { rawRequest, woodyHeaders } from "../woody/local-http.js";
import {
  bodies,
  businessErrorOf,
  descriptor,
  type E2eNode,
  NS,
  PLAIN_NS,
  startE2eNode,
  valueText,
} from "./harness.js";
import { bin, EVENT_FORMAT_VERSION, MODERNIZED_FORMAT_VERSION, textOf } from "./mg-test-processor.js";

let e2e: E2eNode;

before(async () => {
  e2e = await startE2eNode();
});

after(() => e2e.close());

describe("notification", () => {
  test("Notify returns an id, and the notification signal arrives with the args as an event", async () => {
    const id = "notified";
    await e2e.automaton.call("Start", { ns: NS, id, a: bin("start") });
    const args = { arr: [bin("notification"), { i: 7n }] };
    const response = await e2e.automaton.call("Notify", { desc: descriptor(id), a: args });
    assert.ok(response.id.length > 0, "a notification id");
    const delivered = await waitFor("the notification signal", () =>
      e2e.processor.received.find((received) => received.kind === "notification"),
    );
    assert.deepEqual(delivered.arg, args);
    const history = await waitFor("the notification's event", async () => {
      const machine = await e2e.automaton.call("GetMachine", { desc: descriptor(id) });
      return machine.history.length === 1 ? machine.history : undefined;
    });
    assert.deepEqual(bodies(history), [["notification", 7n]]);
  });

  test("Notify on a missing machine answers MachineNotFound", async () => {
    const notify = e2e.automaton.call("Notify", { desc: descriptor("no-such-machine"), a: bin("x") });
    assert.equal(await businessErrorOf(notify), "MachineNotFound");
  });
});

describe("modernizer", () => {
  test("Modernize rewrites older events through the woody Modernizer", async () => {
    const id = "modernized";
    await e2e.automaton.call("Start", { ns: NS, id, a: bin("start") });
    for (const item of [1n, 2n]) {
      await e2e.automaton.call("Call", { desc: descriptor(id), a: { arr: [bin("event"), { i: item }] } });
    }
    const before = await e2e.automaton.call("GetMachine", { desc: descriptor(id) });
    assert.deepEqual(
      before.history.map((event) => event.format_version),
      [EVENT_FORMAT_VERSION, EVENT_FORMAT_VERSION],
    );
    await e2e.automaton.call("Modernize", { desc: descriptor(id) });
    const after = await e2e.automaton.call("GetMachine", { desc: descriptor(id) });
    assert.deepEqual(
      after.history.map((event) => event.format_version),
      [MODERNIZED_FORMAT_VERSION, MODERNIZED_FORMAT_VERSION],
    );
    assert.deepEqual(bodies(after.history), [
      [1n, "modernized"],
      [2n, "modernized"],
    ]);
    assert.deepEqual(
      after.history.map((event) => event.created_at),
      before.history.map((event) => event.created_at),
      "ids and times stay",
    );
    const modernizeAgain = e2e.processor.received.filter((received) => received.kind === "modernize").length;
    await e2e.automaton.call("Modernize", { desc: descriptor(id) });
    assert.equal(
      e2e.processor.received.filter((received) => received.kind === "modernize").length,
      modernizeAgain,
      "current events are not sent again",
    );
  });

  test("Modernize in a namespace without a modernizer answers NamespaceNotFound; a missing machine MachineNotFound", async () => {
    await e2e.automaton.call("Start", { ns: PLAIN_NS, id: "plain", a: bin("start") });
    const plain = e2e.automaton.call("Modernize", { desc: descriptor("plain", {}, PLAIN_NS) });
    assert.equal(await businessErrorOf(plain), "NamespaceNotFound");
    const missing = e2e.automaton.call("Modernize", { desc: descriptor("no-such-machine") });
    assert.equal(await businessErrorOf(missing), "MachineNotFound");
  });
});

describe("trace propagation", () => {
  test("a timer set by a traced Call fires with the Call's trace id, parent span and metadata", async () => {
    const id = "traced";
    await e2e.automaton.call("Start", { ns: NS, id, a: bin("start") });
    const method = serviceSchemaOf(MG_SCHEMA, stateProcessing.SERVICE.Automaton).functions.Call;
    assert.ok(method !== undefined);
    const body = encodeCall(MG_SCHEMA, method, { desc: descriptor(id), a: bin("set_timer") }, { seqid: 0 });
    const headers = woodyHeaders({
      "woody.trace-id": "trace-e2e",
      "woody.span-id": "span-e2e",
      "woody.parent-id": "undefined",
      "woody.meta.user-identity.id": "user-42",
    });
    const answer = await rawRequest({ url: e2e.automatonUrl, headers, body });
    assert.equal(answer.status, 200);
    const callContext = e2e.processor.received.find(
      (received) => received.kind === "call" && textOf(received.arg ?? { nl: {} }) === "set_timer",
    )?.context;
    assert.equal(callContext?.traceId, "trace-e2e");
    assert.equal(callContext?.parentId, "span-e2e");
    assert.deepEqual(callContext?.meta, { "user-identity.id": "user-42" });
    const timeout = await waitFor("the timeout signal", () =>
      e2e.processor.received.find((received) => received.kind === "timeout"),
    );
    assert.equal(timeout.context.traceId, "trace-e2e");
    assert.equal(timeout.context.parentId, "span-e2e");
    assert.notEqual(timeout.context.spanId, "span-e2e", "a fresh span for the processor call");
    assert.deepEqual(timeout.context.meta, { "user-identity.id": "user-42" });
    // The processor has answered; the step commits just after.
    const history = await waitFor("the timeout step's event", async () => {
      const machine = await e2e.automaton.call("GetMachine", { desc: descriptor(id) });
      return machine.history.length === 2 ? machine.history : undefined;
    });
    assert.deepEqual(
      history.map((event) => valueText(event.data)),
      ["timer_body", "handle_timer_body"],
    );
  });
});
