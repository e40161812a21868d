/**
 * Proves that one definition written with the SDK runs embedded (the definition is the engine's Processor) and
 * served (serveProcessor, reached by the HTTP-JSON client) with the same behaviour: the same typed views reach the
 * handlers (history and aux state decoded, attempt, step key, notification id), the same results are committed,
 * and the same failures are classified the same way. Each scenario runs on two real engines (SQLite), one per mode.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { MachineFailedError, ProcessorUnavailableError, RepairFailedError } from "../../src/core/errors.js";
import type { RetryPolicy } from "../../src/core/retry-policy.js";
import { createHttpJsonProcessor } from "../../src/http/processor-protocol/http-json-processor.js";
import { decodeValue, encodeValue } from "../../src/mg/msgpack/msgpack-value.js";
import { valueFromNaturalJson, valueToNaturalJson } from "../../src/mg/msgpack/natural-json.js";
import type { Processor } from "../../src/processors/processor.js";
import {
  defineProcessor,
  processorUnavailable,
  repairFailed,
  type ServedProcessor,
  type StepContext,
  serveProcessor,
} from "../../src/sdk/index.js";
import { nowUs } from "../mg/woody/local-http.js";
import { createTestEngine, type EngineFixture } from "../support/engine-fixture.js";
import { waitFor } from "../support/wait.js";

const NS = "orders";
type OrderEvent = { readonly type: string; readonly seen?: unknown };
type OrderState = { readonly steps: number };

/** What each handler was given, without the instants that differ from run to run. */
const seen: Array<{ mode: string; kind: string; input: unknown }> = [];
let mode = "";

function record(
  kind: string,
  input: StepContext<OrderEvent, OrderState, unknown> & { args?: unknown },
): void {
  const { machine, attempt, stepKey, args } = input;
  seen.push({
    mode,
    kind,
    input: {
      id: machine.id,
      events: machine.history.map((event) => [event.id, event.formatVersion, event.data]),
      auxState: machine.auxState,
      auxStateFormatVersion: machine.auxStateFormatVersion,
      timerSet: machine.timer !== null,
      attempt,
      // The last part of a step key is an instant or a notification id, which differ from run to run.
      stepKey: stepKey?.replace(/\/[^/]+$/, "/<last>") ?? null,
      args,
      ...("notificationId" in input ? { notificationId: typeof input.notificationId } : {}),
    },
  });
}

const orders = defineProcessor<{ event: OrderEvent; auxState: OrderState }>({
  formatVersion: 3,
  init(input) {
    record("init", input);
    const created = input.result.append({ type: "created", seen: input.args }).setAuxState({ steps: 1 });
    // Only a machine started with an object runs the timer; the others stay idle, so their status is known.
    return typeof input.args === "object" && input.args !== null
      ? created.setTimer({ timeoutMs: 0 })
      : created;
  },
  timer(input) {
    record("timer", input);
    if (input.attempt === 1) throw processorUnavailable("warming up");
    const steps = (input.machine.auxState?.steps ?? 0) + 1;
    return input.result.append({ type: "fired" }).setAuxState({ steps });
  },
  notification(input) {
    record("notification", input);
    return { events: [{ type: "told", seen: input.args }], timer: { action: "unset" } };
  },
  call(input) {
    record("call", input);
    switch (input.args) {
      case "busy":
        throw processorUnavailable("the ledger is busy", { retryAfterMs: 2000 });
      case "crash":
        throw new Error("ledger record 7 is corrupt");
      case "garbage":
        return { events: [{ type: "total", seen: 10n ** 20n }] };
      default:
        return input.result.respond({ history: input.machine.history.length, aux: input.machine.auxState });
    }
  },
  repair(input) {
    record("repair", input);
    if (input.args === "refuse") throw repairFailed({ why: "the ledger still disagrees" });
    return input.result.append({ type: "repaired" }).respond("fixed");
  },
});

const FAST_RETRIES: RetryPolicy = { backoff: { kind: "linear", initialIntervalMs: 10, incrementMs: 0 } };
let served: ServedProcessor;
const engines: Record<string, EngineFixture> = {};
let client: Processor;

before(async () => {
  served = await serveProcessor(orders, { port: 0, onError: () => {} });
  client = createHttpJsonProcessor({ url: `${served.url}/orders`, nowUs });
  for (const [name, processor] of [
    ["embedded", orders],
    ["served", client],
  ] as const) {
    engines[name] = createTestEngine({
      namespaces: [{ name: NS, processor, timerRetryPolicy: FAST_RETRIES }],
    });
  }
});

after(async () => {
  for (const fixture of Object.values(engines)) await fixture.close();
  await client.close?.();
  await served.close();
});

const encode = (json: unknown) => encodeValue(valueFromNaturalJson(json));
const decode = (bytes: Uint8Array) => valueToNaturalJson(decodeValue(bytes));

/** Runs `scenario` in both modes and returns what each gave back. */
async function inBothModes<T>(scenario: (fixture: EngineFixture) => Promise<T>): Promise<Record<string, T>> {
  const outcomes: Record<string, T> = {};
  for (const name of ["embedded", "served"]) {
    mode = name;
    outcomes[name] = await scenario(engines[name] as EngineFixture);
  }
  return outcomes;
}

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => assert.fail("should have failed"),
    (error: unknown) => error as Error,
  );

test("init, a retried timer, a call and a notification: the same views and the same machine in both modes", async () => {
  const outcomes = await inBothModes(async ({ engine }) => {
    await engine.start(NS, "o-1", encode({ amount: 5 }));
    await waitFor("the retried timer step", async () => (await engine.get(NS, "o-1")).history.length === 2);
    const response = decode(await engine.call(NS, "o-1", encode("read")));
    await engine.notify(NS, "o-1", encode("shipped"));
    const machine = await waitFor("the notification", async () => {
      const read = await engine.get(NS, "o-1");
      return read.history.length === 3 ? read : undefined;
    });
    return {
      response,
      events: machine.history.map((event) => [event.formatVersion, decode(event.data)]),
      auxState: [machine.record.auxState.formatVersion, decode(machine.record.auxState.data)],
    };
  });
  assert.deepEqual(outcomes.served, outcomes.embedded);
  assert.deepEqual(outcomes.embedded, {
    response: { history: 2, aux: { steps: 2 } },
    events: [
      [3, { type: "created", seen: { amount: 5 } }],
      [3, { type: "fired" }],
      [3, { type: "told", seen: "shipped" }],
    ],
    auxState: [3, { steps: 2 }],
  });
  const inputs = (name: string) =>
    seen.filter((entry) => entry.mode === name).map(({ kind, input }) => [kind, input]);
  assert.deepEqual(inputs("served"), inputs("embedded"));
  const created = [1, 3, { type: "created", seen: { amount: 5 } }];
  const timerKey = "orders/o-1/timer/1/<last>";
  assert.deepEqual(inputs("embedded"), [
    [
      "init",
      {
        id: "o-1",
        events: [],
        auxState: null,
        auxStateFormatVersion: null,
        timerSet: false,
        attempt: null,
        stepKey: null,
        args: { amount: 5 },
      },
    ],
    [
      "timer",
      {
        id: "o-1",
        events: [created],
        auxState: { steps: 1 },
        auxStateFormatVersion: 3,
        timerSet: true,
        attempt: 1,
        stepKey: timerKey,
        args: undefined,
      },
    ],
    [
      "timer",
      {
        id: "o-1",
        events: [created],
        auxState: { steps: 1 },
        auxStateFormatVersion: 3,
        timerSet: true,
        attempt: 2,
        stepKey: timerKey,
        args: undefined,
      },
    ],
    [
      "call",
      {
        id: "o-1",
        events: [created, [2, 3, { type: "fired" }]],
        auxState: { steps: 2 },
        auxStateFormatVersion: 3,
        timerSet: false,
        attempt: null,
        stepKey: null,
        args: "read",
      },
    ],
    [
      "notification",
      {
        id: "o-1",
        events: [created, [2, 3, { type: "fired" }]],
        auxState: { steps: 2 },
        auxStateFormatVersion: 3,
        timerSet: false,
        attempt: 1,
        stepKey: "orders/o-1/notification/<last>",
        args: "shipped",
        notificationId: "string",
      },
    ],
  ]);
});

test("processorUnavailable is not processed in both modes, with its Retry-After", async () => {
  const outcomes = await inBothModes(async ({ engine }) => {
    await engine.start(NS, "o-busy", encode(null));
    const error = await errorOf(engine.call(NS, "o-busy", encode("busy")));
    assert.ok(error instanceof ProcessorUnavailableError, String(error));
    return { retryAfterMs: error.retryAfterMs, status: (await engine.get(NS, "o-busy")).status };
  });
  assert.deepEqual(outcomes, {
    embedded: { retryAfterMs: 2000, status: "idle" },
    served: { retryAfterMs: 2000, status: "idle" },
  });
});

test("a handler that throws, or returns what is not JSON, fails the machine with its reason in both modes", async () => {
  const outcomes = await inBothModes(async ({ engine }) => {
    const reasons: string[] = [];
    for (const [id, args] of [
      ["o-crash", "crash"],
      ["o-garbage", "garbage"],
    ]) {
      await engine.start(NS, id as string, encode(null));
      await assert.rejects(engine.call(NS, id as string, encode(args)), MachineFailedError);
      reasons.push((await engine.get(NS, id as string)).record.failure?.reason ?? "");
    }
    return reasons;
  });
  assert.deepEqual(outcomes.embedded, [
    "ledger record 7 is corrupt",
    "the result does not validate: events[0].data.seen is not JSON (bigint)",
  ]);
  const prefix = `processor ${served.url}/orders answered HTTP 500: `;
  assert.deepEqual(
    outcomes.served,
    outcomes.embedded?.map((reason) => `${prefix}${reason}`),
  );
});

test("repairFailed refuses a repair with its reason in both modes; a repair that succeeds responds", async () => {
  const outcomes = await inBothModes(async ({ engine }) => {
    await engine.start(NS, "o-repair", encode(null));
    await assert.rejects(engine.call(NS, "o-repair", encode("crash")), MachineFailedError);
    const refusal = await errorOf(engine.repair(NS, "o-repair", encode("refuse")));
    assert.ok(refusal instanceof RepairFailedError);
    const still = (await engine.get(NS, "o-repair")).status;
    const response = decode(await engine.repair(NS, "o-repair", encode("fix")));
    const machine = await engine.get(NS, "o-repair");
    return { reason: decode(refusal.reason), still, response, status: machine.status };
  });
  assert.deepEqual(outcomes.served, outcomes.embedded);
  assert.deepEqual(outcomes.embedded, {
    reason: { why: "the ledger still disagrees" },
    still: "failed",
    response: "fixed",
    status: "idle",
  });
});

test("a kind without a handler fails the machine, naming the kind", async () => {
  const bare = defineProcessor({ init: ({ result }) => result.setTimer({ timeoutMs: 0 }) });
  const fixture = createTestEngine({ namespaces: [{ name: NS, processor: bare }] });
  try {
    await fixture.engine.start(NS, "bare", encode(null));
    const machine = await waitFor("the timer step to fail", async () => {
      const read = await fixture.engine.get(NS, "bare");
      return read.status === "failed" ? read : undefined;
    });
    assert.equal(machine.record.failure?.reason, "the processor has no timer handler");
  } finally {
    await fixture.close();
  }
});
