/**
 * Proves the woody Processor and Modernizer adapters speak MG's processor protocol: a small MG-style test
 * processor is served over real HTTP with createWoodyService, and createWoodyProcessor drives init, timeout,
 * notification, call and repair steps (RepairFailed too), checking what the processor received (Machine, history,
 * range, aux state, timer, trace) and what the engine got back (events, aux state, timer action, remove,
 * response), with str and bin kept apart and i64 beyond 2^53 intact; failures map to the engine's errors.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  ProcessorFailedError,
  ProcessorTimeoutError,
  ProcessorUnavailableError,
  RepairFailedError,
} from "../../../src/core/errors.js";
import type { Event } from "../../../src/core/machine.js";
import { EMPTY_AUX_STATE } from "../../../src/core/machine.js";
import { decodeValue, encodeValue, type Value } from "../../../src/mg/msgpack/msgpack-value.js";
import { createWoodyModernizer } from "../../../src/mg/processor/woody-modernizer.js";
import { createWoodyProcessor } from "../../../src/mg/processor/woody-processor.js";
import { MG_SCHEMA, stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import type { WoodyContext } from "../../../src/mg/woody/context.js";
import { WoodyBusinessError, WoodySystemError } from "../../../src/mg/woody/errors.js";
import { createWoodyService } from "../../../src/mg/woody/service-router.js";
import type { MachineView, ProcessOptions } from "../../../src/processors/processor.js";
import { type LocalServer, listen, nowUs } from "./local-http.js";

const BIG = 2n ** 60n + 1n;
const received: Array<{ method: string; a: unknown; context: WoodyContext }> = [];
let server: LocalServer;

function emptyChange(): stateProcessing.MachineStateChange {
  return { events: [], aux_state: { data: { bin: new Uint8Array() } } };
}

/** The test processor's behaviour is chosen by the argument it gets, as a str. */
async function signalHandler(
  a: stateProcessing.SignalArgs,
  context: WoodyContext,
): Promise<stateProcessing.SignalResult> {
  received.push({ method: "ProcessSignal", a, context });
  if (a.signal.init !== undefined) {
    return {
      change: {
        events: [{ format_version: 3, data: a.signal.init.arg }, { data: { bin: new Uint8Array([1, 2]) } }],
        aux_state: { format_version: 2, data: { str: "aux" } },
      },
      action: {
        timer: { set_timer: { timer: { timeout: 5 }, range: { limit: 10, direction: "backward" } } },
      },
    };
  }
  if (a.signal.timeout !== undefined)
    return { change: emptyChange(), action: { timer: { unset_timer: {} } } };
  return { change: {}, action: { remove: {} } };
}

async function callHandler(
  a: stateProcessing.CallArgs,
  context: WoodyContext,
): Promise<stateProcessing.CallResult> {
  received.push({ method: "ProcessCall", a, context });
  const arg = a.arg.str;
  if (arg === "unavailable") throw new WoodySystemError("resource unavailable", "internal", "busy");
  if (arg === "crash") throw new Error("processor bug");
  if (arg === "sleep") await new Promise((resolve) => setTimeout(resolve, 2000));
  if (arg === "local deadline") {
    const action = { timer: { set_timer: { timer: { deadline: "2030-01-01T00:00:00.999+03:00" } } } };
    return { response: { nl: {} }, change: emptyChange(), action };
  }
  const action = { timer: { set_timer: { timer: { deadline: "2030-01-01T00:00:00.999-00:00" } } } };
  return { response: a.arg, change: { events: [{ data: { i: BIG } }] }, action };
}

async function repairHandler(
  a: stateProcessing.RepairArgs,
  context: WoodyContext,
): Promise<stateProcessing.RepairResult> {
  received.push({ method: "ProcessRepair", a, context });
  if (a.arg.str === "refuse")
    throw new WoodyBusinessError("RepairFailed", { reason: { bin: new Uint8Array([9]) } });
  return { response: { str: "repaired" }, change: emptyChange(), action: {} };
}

before(async () => {
  const processor = createWoodyService<stateProcessing.ProcessorMethods>({
    schema: MG_SCHEMA,
    service: stateProcessing.SERVICE.Processor,
    nowUs,
    handlers: {
      ProcessSignal: ({ a }, context) => signalHandler(a, context),
      ProcessCall: ({ a }, context) => callHandler(a, context),
      ProcessRepair: ({ a }, context) => repairHandler(a, context),
    },
  });
  const modernizer = createWoodyService<stateProcessing.ModernizerMethods>({
    schema: MG_SCHEMA,
    service: stateProcessing.SERVICE.Modernizer,
    nowUs,
    handlers: {
      async ModernizeEvent({ ev }) {
        return { event_payload: { format_version: 2, data: { arr: [ev.event.data, { str: ev.ns }] } } };
      },
    },
  });
  server = await listen((request, response) => {
    const handle = request.url === "/modernizer" ? modernizer : processor;
    void handle(request, response);
  });
});

after(() => server.close());

const HISTORY: Event[] = [
  { id: 1, createdAtUs: 1_700_000_000_123_456, formatVersion: 1, data: encodeValue({ str: "text" }) },
  { id: 2, createdAtUs: 1_700_000_001_000_000, data: encodeValue({ bin: new Uint8Array([0x74]) }) },
];

function machine(overrides: Partial<MachineView> = {}): MachineView {
  return {
    namespace: "invoice",
    id: "m-1",
    history: HISTORY,
    historyRange: { after: 0, limit: 2, direction: "forward" },
    auxState: EMPTY_AUX_STATE,
    timerDueAtUs: 1_700_000_100_500_000,
    ...overrides,
  };
}

function options(overrides: Partial<ProcessOptions> = {}): ProcessOptions {
  return { deadlineUs: nowUs() + 5_000_000, abortSignal: new AbortController().signal, ...overrides };
}

function processor() {
  return createWoodyProcessor({ url: server.url, nowUs });
}

test("init: the Machine goes out as MG builds it, and the result comes back as a StepResult", async () => {
  const woody = processor();
  const context = {
    "woody.trace-id": "trace-9",
    "woody.span-id": "span-9",
    "woody.parent-id": "undefined",
    "woody.meta.user": "u",
  };
  const result = await woody.process(
    { kind: "init", args: encodeValue({ obj: [[{ str: "n" }, { i: BIG }]] }), machine: machine() },
    options({ context }),
  );
  const sent = received.at(-1)!;
  const args = sent.a as stateProcessing.SignalArgs;
  assert.deepEqual(args.signal, { init: { arg: { obj: [[{ str: "n" }, { i: BIG }]] } } });
  assert.deepEqual(args.machine, {
    ns: "invoice",
    id: "m-1",
    history: [
      { id: 1n, created_at: "2023-11-14T22:13:20.123456Z", format_version: 1, data: { str: "text" } },
      { id: 2n, created_at: "2023-11-14T22:13:21Z", data: { bin: new Uint8Array([0x74]) } },
    ],
    history_range: { after: 0n, limit: 2, direction: "forward" },
    aux_state: { data: { bin: new Uint8Array() } },
    timer: "2023-11-14T22:15:00Z",
  });
  assert.equal(sent.context.traceId, "trace-9");
  assert.equal(sent.context.parentId, "span-9");
  assert.notEqual(sent.context.spanId, "span-9");
  assert.deepEqual(sent.context.meta, { user: "u" });
  assert.ok(sent.context.deadlineUs !== undefined);

  assert.equal(result.events.length, 2);
  assert.equal(result.events[0]?.formatVersion, 3);
  assert.deepEqual(decodeValue(result.events[0]!.data), { obj: [[{ str: "n" }, { i: BIG }]] });
  assert.equal(result.events[1]?.formatVersion, undefined);
  assert.deepEqual(decodeValue(result.events[1]!.data), { bin: new Uint8Array([1, 2]) });
  assert.equal(result.auxState?.formatVersion, 2);
  assert.deepEqual(decodeValue(result.auxState!.data), { str: "aux" });
  assert.deepEqual(result.timer, {
    kind: "set",
    timeoutMs: 5000,
    range: { limit: 10, direction: "backward" },
  });
  assert.equal(result.remove, false);
  assert.equal(result.response, undefined);
  await woody.close?.();
});

test("timeout and notification signals: unset timer, remove, absent aux state keeps the current one", async () => {
  const woody = processor();
  const timeout = await woody.process({ kind: "timer", machine: machine({ timerDueAtUs: null }) }, options());
  const timeoutArgs = received.at(-1)!.a as stateProcessing.SignalArgs;
  assert.deepEqual(timeoutArgs.signal, { timeout: {} });
  assert.equal(timeoutArgs.machine.timer, undefined);
  assert.equal(timeoutArgs.machine.status, undefined);
  assert.deepEqual(timeout.timer, { kind: "unset" });
  const notification = await woody.process(
    { kind: "notification", args: encodeValue({ str: "note" }), machine: machine() },
    options(),
  );
  assert.deepEqual((received.at(-1)!.a as stateProcessing.SignalArgs).signal, {
    notification: { arg: { str: "note" } },
  });
  assert.deepEqual(notification, { events: [], timer: { kind: "unchanged" }, remove: true });
  await woody.close?.();
});

test("call: the response keeps str vs bin and i64; a UTC deadline becomes whole seconds", async () => {
  const woody = processor();
  for (const arg of [{ str: "hello" }, { bin: new TextEncoder().encode("hello") }, { i: -BIG }] as Value[]) {
    const result = await woody.process(
      { kind: "call", args: encodeValue(arg), machine: machine() },
      options(),
    );
    assert.deepEqual(decodeValue(result.response!), arg);
    assert.deepEqual(decodeValue(result.events[0]!.data), { i: BIG });
    assert.equal(result.auxState, undefined);
    assert.deepEqual(result.timer, { kind: "set", deadlineUs: Date.UTC(2030, 0, 1) * 1000 });
  }
  await woody.close?.();
});

test("repair: a result is applied, RepairFailed becomes RepairFailedError with the reason's bytes", async () => {
  const woody = processor();
  const repaired = await woody.process(
    { kind: "repair", args: encodeValue({ nl: {} }), machine: machine() },
    options(),
  );
  assert.deepEqual(decodeValue(repaired.response!), { str: "repaired" });
  await assert.rejects(
    woody.process({ kind: "repair", args: encodeValue({ str: "refuse" }), machine: machine() }, options()),
    (error: unknown) => {
      assert.ok(error instanceof RepairFailedError);
      assert.deepEqual(decodeValue(error.reason), { bin: new Uint8Array([9]) });
      return true;
    },
  );
  await woody.close?.();
});

test("failures: 503 → unavailable, past the deadline → timeout, 500 and invalid results → failed", async () => {
  const woody = processor();
  const callWith = (arg: string, overrides: Partial<ProcessOptions> = {}) =>
    woody.process({ kind: "call", args: encodeValue({ str: arg }), machine: machine() }, options(overrides));
  await assert.rejects(callWith("unavailable"), ProcessorUnavailableError);
  await assert.rejects(callWith("sleep", { deadlineUs: nowUs() + 200_000 }), ProcessorTimeoutError);
  await assert.rejects(
    callWith("crash"),
    (error: unknown) => error instanceof ProcessorFailedError && /processor bug/.test(error.message),
  );
  await assert.rejects(
    callWith("local deadline"),
    (error: unknown) => error instanceof ProcessorFailedError && /UTC/.test(error.message),
  );
  await assert.rejects(callWith("x", { deadlineUs: nowUs() - 1 }), ProcessorUnavailableError);
  const garbage = machine({ auxState: { data: new Uint8Array([0xff]) } });
  await assert.rejects(
    woody.process({ kind: "call", args: encodeValue({ nl: {} }), machine: garbage }, options()),
    (error: unknown) => error instanceof ProcessorFailedError && /aux_state/.test(error.message),
  );
  await woody.close?.();
  const unreachable = createWoodyProcessor({ url: "http://127.0.0.1:1/", nowUs });
  await assert.rejects(
    unreachable.process({ kind: "timer", machine: machine() }, options()),
    ProcessorUnavailableError,
  );
  await unreachable.close?.();
});

test("modernizer: the stored event goes out as an Event and the new body comes back as Content", async () => {
  const modernizer = createWoodyModernizer({ url: new URL("/modernizer", server.url).toString(), nowUs });
  const content = await modernizer.modernizeEvent(
    { namespace: "invoice", machineId: "m-1", event: HISTORY[1]! },
    options(),
  );
  assert.equal(content.formatVersion, 2);
  assert.deepEqual(decodeValue(content.data), { arr: [{ bin: new Uint8Array([0x74]) }, { str: "invoice" }] });
  await modernizer.close?.();
});
