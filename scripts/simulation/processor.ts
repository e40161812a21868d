/**
 * The namespace's processor in the simulation: a local processor (src/processors/local-processor.ts) whose steps
 * keep a counter in the aux state and write events that name their call, set timers now and then, and fail as a
 * seeded fault plan says: unavailable (transient), silent until the engine aborts it (a timeout), slower than the
 * lease, fatal, an invalid result, or a result storage cannot hold. It honours its abort signal, as a processor
 * that respects `woody.deadline` does, and records every call in the invocation log.
 */
import { ProcessorUnavailableError, RepairFailedError } from "../../src/core/errors.js";
import type { HistoryRange } from "../../src/core/history-range.js";
import type { Payload } from "../../src/core/machine.js";
import type { StepResult, TimerAction } from "../../src/core/processor-result.js";
import { TIMER_UNCHANGED } from "../../src/core/processor-result.js";
import type { StepKind } from "../../src/core/step.js";
import { localProcessor } from "../../src/processors/local-processor.js";
import type { MachineView, ProcessOptions, Processor } from "../../src/processors/processor.js";
import type { Random } from "../chaos/random.js";
import type { SimulatedClock } from "./clock.js";
import type { Invocation, InvocationLog } from "./invocations.js";
import type { Trace } from "./trace.js";

/** Chances per call, checked in this order; the rest of the calls answer normally. */
export interface ProcessorFaultRates {
  readonly transient: number;
  readonly timeout: number;
  readonly slow: number;
  readonly fatal: number;
  readonly invalid: number;
  readonly poison: number;
}

type Fault = keyof ProcessorFaultRates | "none";

/** What a client asks of a step, in the arguments of start, call, repair and notify. */
export interface StepArgs {
  readonly op: string;
  /** call: inc | emit | read | timer | unset | remove; repair: ok | refuse. */
  readonly act?: string;
}

/** Timer steps a machine runs before its timer steps stop setting new timers: chains end. */
const TIMER_STEPS_MAX = 4;
const SLOW_MS_MIN = 200;
const SLOW_MS_MAX = 1500;
const LATENCY_MS_MAX = 20;
/** Now and then a call takes a while, though less than its deadline: its lease is renewed meanwhile. */
const LONG_CHANCE = 0.1;
const LONG_MS_MAX = 400;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const encodeJson = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

export interface SimulatedProcessorOptions {
  readonly node: string;
  readonly clock: SimulatedClock;
  readonly random: Random;
  readonly log: InvocationLog;
  readonly trace: Trace;
  readonly rates: ProcessorFaultRates;
  /** False in the quiet phase at the end of a run: every call answers. */
  readonly faultsEnabled: () => boolean;
}

export function simulatedProcessor(options: SimulatedProcessorOptions): Processor {
  const step =
    (kind: StepKind) => (request: { machine: MachineView; args?: Payload }, call: ProcessOptions) =>
      runStep(options, kind, request, call);
  return localProcessor({
    init: step("init"),
    call: step("call"),
    repair: step("repair"),
    timer: step("timer"),
    notification: step("notification"),
  });
}

async function runStep(
  options: SimulatedProcessorOptions,
  kind: StepKind,
  request: { machine: MachineView; args?: Payload },
  call: ProcessOptions,
): Promise<StepResult> {
  const { clock, log, trace } = options;
  const args = request.args === undefined ? null : (JSON.parse(decoder.decode(request.args)) as StepArgs);
  const invocation = log.begin({
    node: options.node,
    kind,
    machine: request.machine,
    op: args?.op ?? null,
    nowUs: clock.nowUs(),
  });
  trace.add(
    `${invocation.token} ${options.node} ${kind} ${invocation.key}${args ? ` ${args.op}` : ""} begins`,
  );
  try {
    return await answer(options, invocation, args, call);
  } finally {
    log.end(invocation, clock.nowUs());
    trace.count(`processor ${invocation.outcome}`);
    trace.add(`${invocation.token} ends: ${invocation.outcome}`);
  }
}

async function answer(
  options: SimulatedProcessorOptions,
  invocation: Invocation,
  args: StepArgs | null,
  call: ProcessOptions,
): Promise<StepResult> {
  const { clock, random } = options;
  const fault = options.faultsEnabled() ? pickFault(random, options.rates) : "none";
  const latencyMs =
    fault === "slow"
      ? random.integer(SLOW_MS_MIN, SLOW_MS_MAX)
      : random.integer(0, random.next() < LONG_CHANCE ? LONG_MS_MAX : LATENCY_MS_MAX);
  if (latencyMs > 0) await clock.waitUntil(clock.nowUs() + latencyMs * 1000, call.abortSignal);
  if (fault === "timeout") await abortOf(call.abortSignal);
  if (call.abortSignal.aborted) {
    invocation.outcome = "abandoned";
    throw new Error(`${invocation.token} abandoned`);
  }
  if (fault === "transient") {
    invocation.outcome = "transient";
    throw new ProcessorUnavailableError(`unavailable ${invocation.token}`);
  }
  if (fault === "fatal") {
    invocation.outcome = "fatal";
    throw new Error(`fatal ${invocation.token}`);
  }
  if (invocation.kind === "repair" && args?.act === "refuse") {
    invocation.outcome = "refused";
    throw new RepairFailedError(encodeJson(`refused ${invocation.token}`));
  }
  const result = resultOf(random, invocation, args, { fault, nowUs: clock.nowUs() });
  invocation.result = result;
  invocation.outcome = fault === "invalid" ? "invalid" : fault === "poison" ? "poison" : "result";
  return result;
}

function pickFault(random: Random, rates: ProcessorFaultRates): Fault {
  let draw = random.next();
  for (const fault of Object.keys(rates) as (keyof ProcessorFaultRates)[]) {
    draw -= rates[fault];
    if (draw < 0) return fault;
  }
  return "none";
}

function abortOf(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

interface Counter {
  readonly c: number;
  readonly ts: number;
}

function resultOf(
  random: Random,
  invocation: Invocation,
  args: StepArgs | null,
  options: { fault: Fault; nowUs: number },
): StepResult {
  const before: Counter = invocation.view.aux === "" ? { c: 0, ts: 0 } : JSON.parse(invocation.view.aux);
  let { c: count, ts: timerSteps } = before;
  let events = 1;
  let timer: TimerAction = TIMER_UNCHANGED;
  let remove = false;
  const maybeTimer = (chance: number) =>
    random.next() < chance ? randomTimer(random, options.nowUs) : TIMER_UNCHANGED;
  switch (invocation.kind) {
    case "init":
      count = 0;
      timerSteps = 0;
      events = random.integer(0, 2);
      timer = maybeTimer(0.3);
      break;
    case "call":
      ({ count, events, timer, remove } = callOutcome(random, args?.act, count, options.nowUs));
      break;
    case "timer":
      count += 1;
      timerSteps += 1;
      if (timerSteps < TIMER_STEPS_MAX) timer = maybeTimer(0.6);
      break;
    case "notification":
      timer = maybeTimer(0.2);
      break;
    case "repair":
      break;
  }
  if (options.fault === "invalid")
    timer = { kind: "set", timeoutMs: 0, processor: `bad-${invocation.token}` };
  const aux = {
    c: count,
    t: invocation.token,
    ts: timerSteps,
    ...(options.fault === "poison" ? { poison: 1 } : {}),
  };
  return {
    events: Array.from({ length: events }, (_, index) => ({
      data: encodeJson({ t: invocation.token, op: invocation.op, i: index }),
    })),
    auxState: { data: encodeJson(aux) },
    timer,
    remove,
    response: encodeJson({ t: invocation.token, c: count }),
  };
}

function callOutcome(random: Random, act: string | undefined, count: number, nowUs: number) {
  const unchanged = { count, events: 0, timer: TIMER_UNCHANGED, remove: false };
  switch (act) {
    case "inc":
      return { ...unchanged, count: count + 1, events: 1 };
    case "emit":
      return { ...unchanged, events: random.integer(0, 3) };
    case "timer":
      return { ...unchanged, timer: randomTimer(random, nowUs) };
    case "unset":
      return { ...unchanged, timer: { kind: "unset" } as TimerAction };
    case "remove":
      return { ...unchanged, events: random.integer(0, 1), remove: true };
    default:
      return unchanged;
  }
}

const TIMER_DELAYS_MS = [0, 0, 0, 5, 50, 200, 600];

/** A timer after a short delay (often none, for chains), as a timeout or a deadline, sometimes with a range. */
function randomTimer(random: Random, nowUs: number): TimerAction {
  const delayMs = random.pick(TIMER_DELAYS_MS);
  const ranges: (HistoryRange | undefined)[] = [
    undefined,
    undefined,
    { direction: "backward", limit: 2 },
    { after: 1, direction: "forward" },
  ];
  const range = random.pick(ranges);
  const when = random.next() < 0.7 ? { timeoutMs: delayMs } : { deadlineUs: nowUs + delayMs * 1000 };
  return { kind: "set", ...when, ...(range === undefined ? {} : { range }) };
}
