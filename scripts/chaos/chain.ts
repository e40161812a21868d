/**
 * The soak's machines: a chain of steps, one event per step holding the step's number. The count lives in the
 * aux state, so a step computes its number from the snapshot it was given: a step committed twice from one
 * snapshot shows as two events with the same number, and a lost step as a gap. Init is step 1; each timer step
 * (a zero-delay timer) and each call adds one; the step that reaches the machine's target unsets the timer.
 */
import type { msgpack, stateProcessing } from "../../src/mg/thrift/generated/index.js";

export const CHAIN_NAMESPACE = "chaos";

export type StepKind = "init" | "timer" | "call";

export interface ChainEvent {
  readonly step: number;
  readonly kind: StepKind;
}

interface ChainCount {
  readonly step: number;
  readonly target: number;
}

type Value = msgpack.Value;

/** The timer each step but the last sets: due at once, the processor seeing only the last event. */
const NEXT_STEP_TIMER: stateProcessing.ComplexAction = {
  timer: { set_timer: { timer: { timeout: 0 }, range: { limit: 1, direction: "backward" } } },
};
const FINISHED: stateProcessing.ComplexAction = { timer: { unset_timer: {} } };
const UNCHANGED: stateProcessing.ComplexAction = {};

export function initArgs(target: number): Value {
  return { arr: [{ str: "chain" }, { i: BigInt(target) }] };
}

export function callArgs(): Value {
  return { str: "step" };
}

function integerOf(value: Value | undefined): number | undefined {
  return value?.i === undefined ? undefined : Number(value.i);
}

function targetOf(args: Value): number {
  const [name, target] = args.arr ?? [];
  const count = integerOf(target);
  if (name?.str !== "chain" || count === undefined || count < 1) {
    throw new Error("init arguments are not [chain, target]");
  }
  return count;
}

function countValue(count: ChainCount): stateProcessing.Content {
  return { data: { arr: [{ i: BigInt(count.step) }, { i: BigInt(count.target) }] } };
}

function countOf(machine: stateProcessing.Machine): ChainCount {
  const [step, target] = machine.aux_state?.data.arr ?? [];
  const count = { step: integerOf(step), target: integerOf(target) };
  if (count.step === undefined || count.target === undefined) {
    throw new Error(`machine ${machine.id} has no chain count in its aux state`);
  }
  return { step: count.step, target: count.target };
}

/** The step number a snapshot is at (0 before init), for the processor's records. */
export function stepOfSnapshot(machine: stateProcessing.Machine): number {
  return machine.aux_state?.data.arr === undefined ? 0 : countOf(machine).step;
}

export function eventValue(event: ChainEvent): Value {
  return { arr: [{ i: BigInt(event.step) }, { str: event.kind }] };
}

/** The event body as the processor wrote it; undefined for anything else. */
export function readChainEvent(value: Value): ChainEvent | undefined {
  const [step, kind] = value.arr ?? [];
  const number = integerOf(step);
  const name = kind?.str;
  if (number === undefined || (name !== "init" && name !== "timer" && name !== "call")) return undefined;
  return { step: number, kind: name };
}

function advance(count: ChainCount, kind: StepKind) {
  const next = { step: count.step + 1, target: count.target };
  return {
    next,
    change: { aux_state: countValue(next), events: [{ data: eventValue({ step: next.step, kind }) }] },
    last: next.step >= next.target,
  };
}

export function signalResult(args: stateProcessing.SignalArgs): stateProcessing.SignalResult {
  const { signal, machine } = args;
  if (signal.init !== undefined) {
    const { change, last } = advance({ step: 0, target: targetOf(signal.init.arg) }, "init");
    return { change, action: last ? UNCHANGED : NEXT_STEP_TIMER };
  }
  if (signal.timeout === undefined) throw new Error("the chain takes no notifications");
  const count = countOf(machine);
  // Only a repeated timer can find the chain complete; it ends without an event.
  if (count.step >= count.target) return { change: {}, action: FINISHED };
  const { change, last } = advance(count, "timer");
  return { change, action: last ? FINISHED : NEXT_STEP_TIMER };
}

/** A call is a step too, answered with its number; the timer stays as it is unless the chain completes. */
export function callResult(args: stateProcessing.CallArgs): stateProcessing.CallResult {
  const count = countOf(args.machine);
  if (count.step >= count.target) return { response: { str: "finished" }, change: {}, action: UNCHANGED };
  const { next, change, last } = advance(count, "call");
  return { response: { i: BigInt(next.step) }, change, action: last ? FINISHED : UNCHANGED };
}
