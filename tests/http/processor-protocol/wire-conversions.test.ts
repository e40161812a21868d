/**
 * The HTTP-JSON protocol's two conversions, without a socket: a step's request as Ratchet writes it (checked by the
 * same schema a processor validates it with), and a processor's answer read back into a StepResult. A property
 * test (fast-check) proves payloads survive stored bytes → natural JSON text → stored bytes exactly; examples pin
 * the request's shape and every refusal's words, which become a failed machine's reason.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  InvalidRequestError,
  ProcessorResultInvalidError,
  RepairFailedError,
} from "../../../src/core/errors.js";
import type { Event } from "../../../src/core/machine.js";
import { parseWireRequest } from "../../../src/http/processor-protocol/protocol-schema.js";
import { formatInstantUs, wireRequestOf } from "../../../src/http/processor-protocol/wire-request.js";
import { stepResultOfAnswer } from "../../../src/http/processor-protocol/wire-result.js";
import { decodeValue, encodeValue } from "../../../src/mg/msgpack/msgpack-value.js";
import { valueFromNaturalJson } from "../../../src/mg/msgpack/natural-json.js";
import type { MachineView, ProcessOptions } from "../../../src/processors/processor.js";
import { valueArbitrary } from "../../fuzz/msgpack-values.js";

const encode = (json: unknown) => encodeValue(valueFromNaturalJson(json));
const DEADLINE_US = 1_767_225_600_000_250; // 2026-01-01T00:00:00.000250Z

function view(overrides: Partial<MachineView> = {}): MachineView {
  return {
    namespace: "payments",
    id: "pay/1",
    history: [
      { id: 1, createdAtUs: 1_767_225_599_000_001, formatVersion: 2, data: encode({ type: "created" }) },
      { id: 2, createdAtUs: 1_767_225_599_500_000, data: encode({ $bytes: "AAH/" }) },
    ],
    historyRange: { after: 0, limit: 2, direction: "forward" },
    auxState: { data: new Uint8Array(0) },
    timerDueAtUs: 1_767_225_660_000_000,
    ...overrides,
  };
}

const options = (extra: Partial<ProcessOptions> = {}): ProcessOptions => ({
  deadlineUs: DEADLINE_US,
  abortSignal: new AbortController().signal,
  ...extra,
});

test("a timer step's request: natural JSON payloads, µs instants, the attempt and its step key", () => {
  const attempt = { stepKey: "payments/pay%2F1/timer/2/1767225660000000", number: 3 };
  const wire = wireRequestOf(
    { kind: "timer", machine: view() },
    options({ attempt, context: { a: "b" }, stepName: "capture" }),
  );
  assert.deepEqual(wire, {
    version: 1,
    kind: "timer",
    step: "capture",
    namespace: "payments",
    machine_id: "pay/1",
    history: [
      { id: 1, created_at: "2025-12-31T23:59:59.000001Z", format_version: 2, data: { type: "created" } },
      { id: 2, created_at: "2025-12-31T23:59:59.500000Z", format_version: null, data: { $bytes: "AAH/" } },
    ],
    history_range: { after: 0, limit: 2, direction: "forward" },
    aux_state: { format_version: null, data: null },
    timer: "2026-01-01T00:01:00.000000Z",
    deadline: "2026-01-01T00:00:00.000250Z",
    attempt: 3,
    step_key: attempt.stepKey,
    notification_id: null,
    context: { a: "b" },
  });
  assert.equal("args" in wire, false, "a timer step has no arguments");
  assert.deepEqual(parseWireRequest(JSON.parse(JSON.stringify(wire))), { ok: true, value: wire });
});

test("init, call, repair and notification requests carry their arguments; a notification its id", () => {
  const args = encode({ amount: 100 });
  for (const kind of ["init", "call", "repair"] as const) {
    const wire = wireRequestOf({ kind, args, machine: view() }, options());
    assert.deepEqual(
      [wire.kind, wire.args, wire.attempt, wire.step_key],
      [kind, { amount: 100 }, null, null],
    );
  }
  const notified = wireRequestOf(
    { kind: "notification", args, machine: view({ timerDueAtUs: null }), notificationId: "n-7" },
    options({ attempt: { stepKey: "payments/pay%2F1/notification/n-7", number: 1 } }),
  );
  assert.deepEqual(
    [notified.notification_id, notified.attempt, notified.timer, notified.args],
    ["n-7", 1, null, { amount: 100 }],
  );
});

test("instants are RFC 3339 UTC with six fraction digits", () => {
  assert.equal(formatInstantUs(0), "1970-01-01T00:00:00.000000Z");
  assert.equal(formatInstantUs(1_767_225_600_123_456), "2026-01-01T00:00:00.123456Z");
  assert.equal(formatInstantUs(1_767_225_600_000_007), "2026-01-01T00:00:00.000007Z");
});

test("property: every stored payload crosses the protocol and comes back as the same bytes", () => {
  fc.assert(
    fc.property(valueArbitrary, valueArbitrary, valueArbitrary, (eventValue, auxValue, argsValue) => {
      const event: Event = { id: 1, createdAtUs: 1, data: encodeValue(eventValue) };
      const request = {
        kind: "call" as const,
        args: encodeValue(argsValue),
        machine: view({ history: [event], auxState: { formatVersion: 1, data: encodeValue(auxValue) } }),
      };
      const text = JSON.stringify(wireRequestOf(request, options()));
      const parsed = parseWireRequest(JSON.parse(text));
      assert.ok(parsed.ok, parsed.ok ? "" : parsed.why);
      const wire = parsed.value;
      // The processor answers with what it was given: Ratchet must store exactly the bytes it sent.
      const answer = {
        events: [{ data: wire.history[0]?.data }],
        aux_state: { format_version: 1, data: wire.aux_state.data },
        response: wire.args,
      };
      const result = stepResultOfAnswer(JSON.parse(JSON.stringify(answer)), "call");
      assert.deepEqual(decodeValue(result.events[0]?.data as Uint8Array), eventValue);
      assert.deepEqual(decodeValue(result.auxState?.data as Uint8Array), auxValue);
      assert.deepEqual(decodeValue(result.response as Uint8Array), argsValue);
    }),
    { numRuns: 300, seed: 20_260_101 },
  );
});

test("an answer becomes a StepResult: events with versions, aux state, each timer action, response, removal", () => {
  const full = stepResultOfAnswer(
    {
      events: [{ format_version: 2, data: { type: "paid" } }, { data: [1, 2] }],
      aux_state: { format_version: null, data: { stage: "paid" } },
      timer: {
        action: "set",
        deadline: "2026-01-01T03:00:00.000001+03:00",
        range: { limit: 5, direction: "backward" },
        processor: "bank",
      },
      response: { $int: "9007199254740993" },
      remove: true,
    },
    "call",
  );
  assert.deepEqual(full, {
    events: [{ formatVersion: 2, data: encode({ type: "paid" }) }, { data: encode([1, 2]) }],
    auxState: { data: encode({ stage: "paid" }) },
    timer: {
      kind: "set",
      deadlineUs: 1_767_225_600_000_001,
      range: { limit: 5, direction: "backward" },
      processor: "bank",
    },
    remove: true,
    response: encode({ $int: "9007199254740993" }),
  });
  assert.deepEqual(stepResultOfAnswer({}, "timer"), {
    events: [],
    timer: { kind: "unchanged" },
    remove: false,
  });
  assert.deepEqual(stepResultOfAnswer({ timer: { action: "set", timeout_ms: 0 } }, "timer").timer, {
    kind: "set",
    timeoutMs: 0,
  });
  assert.deepEqual(stepResultOfAnswer({ timer: { action: "unset" } }, "init").timer, { kind: "unset" });
});

test("a refused repair is RepairFailedError with the reason's bytes; on any other step it breaks the contract", () => {
  const refusal = { repair_failed: { reason: { why: "still broken" } } };
  assert.throws(
    () => stepResultOfAnswer(refusal, "repair"),
    (error: unknown) =>
      error instanceof RepairFailedError &&
      Buffer.from(error.reason).equals(Buffer.from(encode({ why: "still broken" }))),
  );
  assert.throws(() => stepResultOfAnswer(refusal, "call"), {
    name: "ProcessorResultInvalidError",
    message: "the result refuses a repair, but the step is call",
  });
});

test("an answer that breaks the protocol is refused with the key and what is wrong with it", () => {
  const cases: Array<[unknown, string]> = [
    [[], "the result: Invalid input: expected object, received array"],
    ["ok", "the result: Invalid input: expected object, received string"],
    [{ aux_sate: { data: 1 } }, 'the result: Unrecognized key: "aux_sate"'],
    [{ events: [{ data: 1 }, {}] }, "events[1].data: is required (a natural JSON value)"],
    [
      { events: [{ data: 1, format_version: 1.5 }] },
      "events[0].format_version: Invalid input: expected int, received number",
    ],
    [{ timer: { action: "set" } }, "timer: a timer needs exactly one of timeout_ms and deadline"],
    [
      { timer: { action: "later" } },
      "timer.action: Invalid discriminator value. Expected 'unchanged' | 'unset' | 'set'",
    ],
    [{ timer: { action: "set", deadline: "tomorrow" } }, "timer.deadline: is not an RFC 3339 timestamp"],
    [{ timer: { action: "set", timeout_ms: -1 } }, "timer.timeout_ms: Too small: expected number to be >=0"],
    [{ remove: "yes" }, "remove: Invalid input: expected boolean, received string"],
    [{ response: { $int: "x" } }, "response.$int must be a decimal integer"],
    [{ events: [{ data: { $raw: "AA==" } }] }, 'events[0].data is an escape ("$raw")'],
  ];
  for (const [answer, words] of cases) {
    assert.throws(
      () => stepResultOfAnswer(answer, "call"),
      (error: unknown) => {
        assert.ok(
          error instanceof ProcessorResultInvalidError,
          `${JSON.stringify(answer)}: ${String(error)}`,
        );
        assert.ok(!(error instanceof InvalidRequestError));
        assert.ok(
          error.message.startsWith("the result does not validate: ") && error.message.includes(words),
          `${JSON.stringify(answer)} gave: ${error.message}`,
        );
        return true;
      },
    );
  }
});
