/**
 * Proves a processor call ends as promised whatever the processor does: at its deadline (with a clock that has
 * alarms and with one that only waits), at once when its lease is lost, and with its result otherwise; and that
 * the processor's abort signal, made only when read, is aborted once the call has ended.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { LeaseLostError, ProcessorTimeoutError } from "../../src/core/errors.js";
import type { StepResult } from "../../src/core/processor-result.js";
import type { Clock } from "../../src/core/time.js";
import { callProcessor, STEP_FINISHED } from "../../src/engine/processor-call.js";
import type { ProcessOptions, Processor, ProcessorRequest } from "../../src/processors/processor.js";
import { SystemClock } from "../../src/runtime/system-clock.js";

const request = {
  kind: "timer",
  machine: {
    namespace: "ns",
    id: "m",
    history: [],
    historyRange: { direction: "forward" },
    auxState: { data: new Uint8Array(0) },
    timerDueAtUs: null,
  },
} as const satisfies ProcessorRequest;

const RESULT: StepResult = { events: [], timer: { kind: "unchanged" }, remove: false };

/** A processor that keeps the options it was called with and answers only when told. */
function heldProcessor(): Processor & { options: ProcessOptions[]; answer(): void } {
  let answer = () => {};
  const options: ProcessOptions[] = [];
  return {
    options,
    answer: () => answer(),
    process: (_request, processOptions) => {
      options.push(processOptions);
      return new Promise((resolve) => {
        answer = () => resolve(RESULT);
      });
    },
  };
}

const clocks: [string, Clock][] = [
  ["a clock with alarms", new SystemClock()],
  ["a clock that only waits", waitingOnly(new SystemClock())],
];

function waitingOnly(clock: Clock): Clock {
  return { nowUs: () => clock.nowUs(), waitUntil: (instantUs, signal) => clock.waitUntil(instantUs, signal) };
}

for (const [name, clock] of clocks) {
  test(`with ${name}, a processor that never answers ends at the deadline, and its signal is aborted`, async () => {
    const processor = heldProcessor();
    const leaseLost = new AbortController().signal;
    const outcome = await callProcessor(clock, processor, request, {
      deadlineUs: clock.nowUs() + 20_000,
      leaseLost,
    });
    assert.equal(outcome.kind, "transient");
    assert.ok(outcome.kind === "transient" && outcome.error instanceof ProcessorTimeoutError);
    const signal = processor.options[0]?.abortSignal;
    assert.equal(signal?.aborted, true);
    assert.equal(signal?.reason, STEP_FINISHED);
  });
}

test("a processor's answer is the outcome; its signal, read only afterwards, is already aborted", async () => {
  const clock = new SystemClock();
  const processor = heldProcessor();
  const call = callProcessor(clock, processor, request, {
    deadlineUs: clock.nowUs() + 60_000_000,
    leaseLost: new AbortController().signal,
  });
  await new Promise((resolve) => setImmediate(resolve));
  processor.answer();
  const outcome = await call;
  assert.deepEqual(outcome, { kind: "result", result: RESULT });
  const signal = processor.options[0]?.abortSignal;
  assert.equal(signal?.aborted, true, "read after the call ended");
  assert.equal(signal?.reason, STEP_FINISHED);
});

test("a signal read during the call aborts when the lease is lost, and the call ends as lease lost", async () => {
  const clock = new SystemClock();
  const processor = heldProcessor();
  const lease = new AbortController();
  const call = callProcessor(clock, processor, request, {
    deadlineUs: clock.nowUs() + 60_000_000,
    leaseLost: lease.signal,
  });
  await new Promise((resolve) => setImmediate(resolve));
  const signal = processor.options[0]?.abortSignal;
  assert.equal(signal?.aborted, false, "not aborted while the call runs");
  lease.abort();
  const outcome = await call;
  assert.ok(outcome.kind === "transient" && outcome.error instanceof LeaseLostError);
  assert.equal(signal?.aborted, true);
});

test("a clock's alarm fires at its instant unless cancelled first", async () => {
  const clock = new SystemClock();
  let fired = 0;
  const cancel = clock.alarm(clock.nowUs() + 5_000, () => {
    fired += 1;
  });
  cancel();
  await new Promise<void>((resolve) => clock.alarm(clock.nowUs() + 10_000, resolve));
  assert.equal(fired, 0, "the cancelled alarm never fired");
});
