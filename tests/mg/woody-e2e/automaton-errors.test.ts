/**
 * The Automaton edge without a socket (STYLE rule 20): every core error class against every Automaton method
 * through the one mapping, checked against MG's table (§3.8) and each method's `throws` list (§2.4.5); then the
 * handlers called in-process over a real engine (SQLite in memory, a local processor of msgpack Values) to check
 * how arguments, deadlines, trace context and the GetMachine `Machine` are converted. The same edge over real
 * sockets is covered by the other files of this folder.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import {
  DeadlineExceededError,
  InvalidRequestError,
  LeaseLostError,
  LimitExceededError,
  MachineAlreadyExistsError,
  MachineAlreadyWorkingError,
  MachineFailedError,
  MachineNotFoundError,
  NamespaceNotFoundError,
  NotificationNotFoundError,
  OverloadedError,
  ProcessorFailedError,
  ProcessorResultInvalidError,
  ProcessorTimeoutError,
  ProcessorUnavailableError,
  RepairFailedError,
  ShuttingDownError,
  StorageRejectedError,
  StorageResultUnknownError,
  StorageUnavailableError,
} from "../../../src/core/errors.js";
import type { EngineApi, RangedRequestOptions } from "../../../src/engine/engine-api.js";
import { automatonErrorOf } from "../../../src/mg/automaton/automaton-errors.js";
import { automatonHandlers, requestOptions } from "../../../src/mg/automaton/automaton-service.js";
import { encodeValue } from "../../../src/mg/msgpack/msgpack-value.js";
import type { stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import type { WoodyContext } from "../../../src/mg/woody/context.js";
import { responseOfSystemError, WoodyBusinessError, WoodySystemError } from "../../../src/mg/woody/errors.js";
import { localProcessor, timer } from "../../../src/processors/local-processor.js";
import { pack, unpack } from "../../../src/processors/payload.js";
import { createTestEngine, type EngineFixture } from "../../support/engine-fixture.js";

type Method = keyof stateProcessing.AutomatonMethods;
const METHODS: readonly Method[] = [
  "Start",
  "Repair",
  "SimpleRepair",
  "Call",
  "GetMachine",
  "Remove",
  "Modernize",
  "Notify",
];

/** §2.4.5: the exceptions each method may answer. */
const DECLARED: Record<Method, readonly string[]> = {
  Start: ["NamespaceNotFound", "MachineAlreadyExists", "MachineFailed"],
  Repair: ["NamespaceNotFound", "MachineNotFound", "MachineFailed", "MachineAlreadyWorking", "RepairFailed"],
  SimpleRepair: ["NamespaceNotFound", "MachineNotFound", "MachineFailed", "MachineAlreadyWorking"],
  Call: ["NamespaceNotFound", "MachineNotFound", "MachineFailed"],
  GetMachine: ["NamespaceNotFound", "MachineNotFound", "EventNotFound"],
  Remove: ["NamespaceNotFound", "MachineNotFound"],
  Modernize: ["NamespaceNotFound", "MachineNotFound"],
  Notify: ["NamespaceNotFound", "MachineNotFound"],
};

/** §3.8 with the id rule of §2.8: each error and what MG answers for it when the method may. */
const TABLE: ReadonlyArray<{ error: unknown; answer: string }> = [
  { error: new NamespaceNotFoundError("ns"), answer: "NamespaceNotFound" },
  { error: new MachineNotFoundError("ns", "id"), answer: "MachineNotFound" },
  { error: new InvalidRequestError("machine id must not be empty", "id"), answer: "MachineNotFound" },
  { error: new LimitExceededError("machine id bytes", 1025, 1024), answer: "MachineNotFound" },
  { error: new MachineAlreadyExistsError("ns", "id"), answer: "MachineAlreadyExists" },
  { error: new MachineFailedError("ns", "id", "boom"), answer: "MachineFailed" },
  { error: new MachineAlreadyWorkingError("ns", "id"), answer: "MachineAlreadyWorking" },
  { error: new RepairFailedError(encodeValue({ str: "because" })), answer: "RepairFailed" },
  { error: new ProcessorUnavailableError("down"), answer: "503" },
  { error: new StorageUnavailableError("down"), answer: "503" },
  { error: new OverloadedError("full"), answer: "503" },
  { error: new LeaseLostError("ns", "id"), answer: "503" },
  { error: new ShuttingDownError(), answer: "503" },
  { error: new ProcessorTimeoutError("slow"), answer: "504" },
  { error: new DeadlineExceededError("late"), answer: "504" },
  { error: new StorageResultUnknownError("the connection broke during COMMIT"), answer: "504" },
  { error: new StorageRejectedError("storage refused the step"), answer: "503" },
  { error: new InvalidRequestError("history range limit -1 must be ≥ 0", "range.limit"), answer: "500" },
  { error: new LimitExceededError("arguments bytes", 2, 1), answer: "500" },
  { error: new LimitExceededError("events in one read (give the range a limit)", 2, 1), answer: "500" },
  { error: new RepairFailedError(new Uint8Array([0xff, 0xff])), answer: "500" },
  { error: new ProcessorFailedError("modernizer failed"), answer: "500" },
  { error: new ProcessorResultInvalidError("bad"), answer: "500" },
  { error: new NotificationNotFoundError("n"), answer: "500" },
  { error: new Error("a bug"), answer: "500" },
  { error: "a thrown string", answer: "500" },
];

/** The answer as a short label: an exception name, or the HTTP status of the system error. */
function labelOf(answer: WoodyBusinessError | WoodySystemError): string {
  return answer instanceof WoodyBusinessError
    ? answer.typeName
    : String(responseOfSystemError(answer).status);
}

describe("automatonErrorOf: one table, only declared exceptions", () => {
  for (const { error, answer } of TABLE) {
    const name = error instanceof Error ? `${error.constructor.name} (${error.message})` : String(error);
    const where = /^\d+$/.test(answer) ? "on every method" : "where declared, else 500";
    test(`${name} → ${answer} ${where}`, () => {
      for (const method of METHODS) {
        const expected = /^\d+$/.test(answer) || DECLARED[method].includes(answer) ? answer : "500";
        assert.equal(labelOf(automatonErrorOf(method, error)), expected, method);
      }
    });
  }

  test("RepairFailed carries the processor's reason as the Value it sent", () => {
    const answer = automatonErrorOf(
      "Repair",
      new RepairFailedError(encodeValue({ bin: new Uint8Array([7]) })),
    );
    assert.ok(answer instanceof WoodyBusinessError);
    assert.deepEqual(answer.exception, { reason: { bin: new Uint8Array([7]) } });
  });

  test("Start with an invalid id is a system error naming why, as MG's woody error", () => {
    const answer = automatonErrorOf("Start", new InvalidRequestError("machine id must not be empty", "id"));
    assert.ok(answer instanceof WoodySystemError);
    assert.equal(answer.errorClass, "result unexpected");
    assert.match(answer.details, /Start does not declare MachineNotFound: machine id must not be empty/);
  });

  test("bad input names itself in the reason", () => {
    const answer = automatonErrorOf(
      "GetMachine",
      new InvalidRequestError("history range limit -1", "range.limit"),
    );
    assert.ok(answer instanceof WoodySystemError);
    assert.match(answer.details, /^invalid request: history range limit -1/);
  });
});

describe("handlers in-process over a real engine", () => {
  let fixture: EngineFixture | undefined;
  after(() => fixture?.close());

  const engine = (): EngineApi => {
    fixture ??= createTestEngine({
      namespaces: [
        {
          name: "ns",
          processor: localProcessor({
            init: ({ args }) => ({
              events: [{ data: args, formatVersion: 3 }],
              auxState: { data: pack("aux") },
            }),
            call: ({ args }) => {
              if (unpack(args) === "fail") throw new Error("told to fail");
              return { response: args, events: [{ data: pack("called") }], timer: timer.after(60_000) };
            },
          }),
        },
      ],
    });
    return fixture.engine;
  };
  const context: WoodyContext = {
    traceId: "trace",
    spanId: "span",
    parentId: "undefined",
    deadlineUs: Date.now() * 1000 + 5_000_000,
    meta: { "user-identity.id": "u" },
  };

  test("requestOptions: the woody deadline and the stored trace", () => {
    assert.deepEqual(requestOptions(context), {
      deadlineUs: context.deadlineUs,
      context: {
        "woody.trace-id": "trace",
        "woody.span-id": "span",
        "woody.parent-id": "undefined",
        "woody.meta.user-identity.id": "u",
      },
    });
    const { deadlineUs: _, ...withoutDeadline } = context;
    assert.equal(
      requestOptions(withoutDeadline).deadlineUs,
      undefined,
      "absent: the namespace default applies",
    );
  });

  test("Start, Call and GetMachine convert Values, ranges, status, aux state and timer", async () => {
    const handlers = automatonHandlers(engine());
    await handlers.Start({ ns: "ns", id: "m", a: { str: "hello" } }, context);
    const response = await handlers.Call(
      { desc: { ns: "ns", ref: { id: "m" }, range: {} }, a: { i: 5n } },
      context,
    );
    assert.deepEqual(response, { i: 5n });
    const range = { after: 2n ** 62n, limit: 1, direction: "backward" } as const;
    const machine = await handlers.GetMachine({ desc: { ns: "ns", ref: { id: "m" }, range } }, context);
    assert.equal(machine.ns, "ns");
    assert.equal(machine.id, "m");
    assert.deepEqual(machine.history_range, range, "the requested range is echoed");
    assert.deepEqual(
      machine.history.map((event) => [event.id, event.data]),
      [[2n, { str: "called" }]],
      "an `after` beyond 2^53 counts as beyond every event",
    );
    assert.deepEqual(machine.status, { working: {} });
    assert.deepEqual(machine.aux_state, { data: { str: "aux" } });
    assert.match(machine.timer ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const whole = await handlers.GetMachine({ desc: { ns: "ns", ref: { id: "m" }, range: {} } }, context);
    assert.equal(whole.history[0]?.format_version, 3);
    assert.match(whole.history[0]?.created_at ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$/);
  });

  test("a failed machine answers MachineFailed and shows its reason; an empty-id Start and an unknown namespace", async () => {
    const handlers = automatonHandlers(engine());
    await handlers.Start({ ns: "ns", id: "f", a: { nl: {} } }, context);
    const desc = { ns: "ns", ref: { id: "f" }, range: {} };
    await assert.rejects(handlers.Call({ desc, a: { str: "fail" } }, context), { typeName: "MachineFailed" });
    const machine = await handlers.GetMachine({ desc }, context);
    assert.match(machine.status?.failed?.reason ?? "", /told to fail/);
    await assert.rejects(handlers.Start({ ns: "ns", id: "", a: { nl: {} } }, context), {
      errorClass: "result unexpected",
    });
    await assert.rejects(handlers.Call({ desc: { ...desc, ns: "nope" }, a: { nl: {} } }, context), {
      typeName: "NamespaceNotFound",
    });
  });

  test("every handler hands the engine its deadline and trace", async () => {
    const seen: Array<[string, RangedRequestOptions | undefined]> = [];
    const spy = new Proxy(engine(), {
      get(target, property: string) {
        const original = Reflect.get(target, property) as (...args: unknown[]) => unknown;
        if (typeof original !== "function") return original;
        return (...args: unknown[]) => {
          const options = args.find(
            (arg): arg is RangedRequestOptions => typeof arg === "object" && arg !== null && "context" in arg,
          );
          seen.push([property, options]);
          return original.apply(target, args);
        };
      },
    });
    const handlers = automatonHandlers(spy);
    const desc = { ns: "ns", ref: { id: "spied" }, range: {} };
    await handlers.Start({ ns: "ns", id: "spied", a: { nl: {} } }, context);
    await handlers.Call({ desc, a: { nl: {} } }, context);
    await handlers.Notify({ desc, a: { nl: {} } }, context);
    await handlers.Remove({ ns: "ns", id: "spied" }, context);
    for (const [method, options] of seen) {
      assert.equal(options?.context?.["woody.trace-id"], "trace", method);
      if (method !== "notify") assert.equal(options?.deadlineUs, context.deadlineUs, method);
    }
    assert.deepEqual(
      seen.map(([method]) => method),
      ["start", "call", "notify", "remove"],
    );
  });
});
