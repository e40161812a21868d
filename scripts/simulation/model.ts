/**
 * The model of one machine's committed state, and the transitions a step may make, written apart from the
 * engine's own code (src/core/step.ts) so that the two can disagree: what a result applied to a state gives, a
 * failure, a simple repair, a timer retry, the slice of history a range selects. Payloads are UTF-8 text here.
 */
import type { HistoryRange } from "../../src/core/history-range.js";
import type { Event, MachineRecord } from "../../src/core/machine.js";
import type { StepResult } from "../../src/core/processor-result.js";
import type { RetryPolicy } from "../../src/core/retry-policy.js";
import type { StepKind } from "../../src/core/step.js";

export interface ModelEvent {
  readonly id: number;
  readonly createdAtUs: number;
  readonly data: string;
}

export interface ModelTimer {
  readonly dueAtUs: number;
  readonly range: HistoryRange;
}

export type ModelStatus = "idle" | "waiting" | "retrying" | "failed";

export interface ModelMachine {
  readonly exists: boolean;
  readonly aux: string;
  readonly events: readonly ModelEvent[];
  readonly timer: ModelTimer | null;
  readonly retry: { readonly attempt: number; readonly dueAtUs: number } | null;
  readonly failure: { readonly reason: string; readonly previousStatus: ModelStatus } | null;
}

export const ABSENT: ModelMachine = Object.freeze({
  exists: false,
  aux: "",
  events: [],
  timer: null,
  retry: null,
  failure: null,
});

const WHOLE_HISTORY: HistoryRange = Object.freeze({ direction: "forward" });
const decoder = new TextDecoder();

export function text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

export function statusOf(machine: ModelMachine): ModelStatus {
  if (machine.failure !== null) return "failed";
  if (machine.retry !== null) return "retrying";
  return machine.timer === null ? "idle" : "waiting";
}

/** When the machine's next timer step is due; null when none is (a failed machine waits for repair). */
export function dueAtUsOf(machine: ModelMachine): number | null {
  if (!machine.exists || machine.failure !== null) return null;
  return machine.retry?.dueAtUs ?? machine.timer?.dueAtUs ?? null;
}

/** The events a range selects, in its order: MG's algebra, written out. */
export function sliceEvents(events: readonly ModelEvent[], range: HistoryRange): ModelEvent[] {
  const forward = range.direction === "forward";
  const ordered = forward ? [...events] : [...events].reverse();
  const after = range.after;
  const kept =
    after === undefined
      ? ordered
      : ordered.filter((event) => (forward ? event.id > after : event.id < after));
  return range.limit === undefined ? kept : kept.slice(0, range.limit);
}

/** A processor's result applied to the state it was computed from, at the instant the processor answered. */
export function applyResult(
  machine: ModelMachine,
  result: StepResult,
  step: { readonly kind: StepKind; readonly nowUs: number },
): ModelMachine {
  const events = result.events.map((content, index) => ({
    id: machine.events.length + index + 1,
    createdAtUs: step.nowUs,
    data: text(content.data),
  }));
  let timer = step.kind === "timer" ? null : machine.timer;
  if (result.timer.kind === "unset") timer = null;
  if (result.timer.kind === "set") {
    const { deadlineUs, timeoutMs, range } = result.timer;
    timer = {
      dueAtUs: deadlineUs ?? step.nowUs + Math.round((timeoutMs ?? 0) * 1000),
      range: range ?? WHOLE_HISTORY,
    };
  }
  if (result.remove) return ABSENT;
  return {
    exists: true,
    aux: result.auxState === undefined ? machine.aux : text(result.auxState.data),
    events: [...machine.events, ...events],
    timer,
    retry: null,
    failure: null,
  };
}

export function failed(machine: ModelMachine, reason: string): ModelMachine {
  return { ...machine, failure: { reason, previousStatus: statusOf(machine) } };
}

export function restored(machine: ModelMachine): ModelMachine {
  return { ...machine, failure: null };
}

/** A machine as storage holds it, in the model's terms. */
export function modelOfRecord(record: MachineRecord, events: readonly (Event | ModelEvent)[]): ModelMachine {
  return {
    exists: true,
    aux: text(record.auxState.data),
    events: events.map((event) => ({
      id: event.id,
      createdAtUs: event.createdAtUs,
      data: typeof event.data === "string" ? event.data : text(event.data),
    })),
    timer: record.timer === null ? null : { dueAtUs: record.timer.dueAtUs, range: record.timer.range },
    retry: record.retry === null ? null : { attempt: record.retry.attempt, dueAtUs: record.retry.dueAtUs },
    failure:
      record.failure === null
        ? null
        : { reason: record.failure.reason, previousStatus: record.failure.previousStatus },
  };
}

/** A readable account of the first way two states differ, or null when they are the same. */
export function differenceOf(expected: ModelMachine, actual: ModelMachine): string | null {
  const parts: (keyof ModelMachine)[] = ["exists", "aux", "timer", "retry", "failure"];
  for (const part of parts) {
    const want = canonical(expected[part]);
    const got = canonical(actual[part]);
    if (want !== got) return `${part}: expected ${want}, found ${got}`;
  }
  return eventsDifference(expected.events, actual.events);
}

export function eventsDifference(
  expected: readonly ModelEvent[],
  actual: readonly ModelEvent[],
): string | null {
  if (expected.length !== actual.length)
    return `events: expected ${expected.length} (${idsOf(expected)}), found ${actual.length} (${idsOf(actual)})`;
  for (const [index, want] of expected.entries()) {
    const got = actual[index] as ModelEvent;
    if (canonical(want) !== canonical(got))
      return `event ${index + 1}: expected ${canonical(want)}, found ${canonical(got)}`;
  }
  return null;
}

export function sameRange(left: HistoryRange, right: HistoryRange): boolean {
  return canonical(left) === canonical(right);
}

/** JSON with sorted keys and without absent fields, so equal values always print the same. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== "object" || Array.isArray(inner)) return inner;
    const entries = Object.entries(inner as Record<string, unknown>).filter(([, each]) => each !== undefined);
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

function idsOf(events: readonly ModelEvent[]): string {
  if (events.length <= 6) return events.map((event) => event.id).join(",");
  return `${events[0]?.id}…${events.at(-1)?.id}`;
}

/**
 * The shortest and longest wait before retry number `attempt` (1 for the first retry) under a policy, or null
 * when the policy allows no such retry. Policies with a total time bound are not used by the simulation.
 */
export function retryDelayBoundsMs(policy: RetryPolicy, attempt: number): [number, number] | null {
  if (policy.maxAttempts !== undefined && attempt > policy.maxAttempts) return null;
  const { backoff } = policy;
  let intervalMs: number | undefined;
  if (backoff.kind === "intervals") intervalMs = backoff.intervalsMs[attempt - 1];
  else if (backoff.kind === "linear")
    intervalMs = backoff.initialIntervalMs + backoff.incrementMs * (attempt - 1);
  else intervalMs = backoff.initialIntervalMs * backoff.factor ** (attempt - 1);
  if (intervalMs === undefined) return null;
  if (policy.maxIntervalMs !== undefined) intervalMs = Math.min(intervalMs, policy.maxIntervalMs);
  const jitter = policy.jitter ?? 0;
  return [Math.floor(intervalMs * (1 - jitter)), Math.ceil(intervalMs * (1 + jitter))];
}
