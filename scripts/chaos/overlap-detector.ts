/**
 * The processor's view of invariant 2: per machine, the invocations in flight right now. An invocation is in
 * flight from the moment its request is decoded until the processor answers, stops at its deadline, or sees the
 * caller hang up. A second invocation for a machine that starts while one is in flight is an overlap; both are
 * recorded with their timestamps. Also counts re-runs: the same step of a machine (same snapshot, same kind)
 * invoked again, and answered again.
 */

export type InvocationEnd = "answered" | "deadline" | "hangup";

export interface Invocation {
  readonly machineId: string;
  /** The node whose processor URL the request came to. */
  readonly node: string;
  readonly method: string;
  readonly kind: string;
  /** The step number of the snapshot the invocation was given. */
  readonly step: number;
  readonly startMs: number;
  readonly deadlineMs: number | null;
  endMs: number | null;
  end: InvocationEnd | null;
}

/** An invocation, and the ones that started while it was in flight. */
export interface Overlap {
  readonly machineId: string;
  /** The invocation already in flight. */
  readonly first: Invocation;
  /** The first few that started while it was. */
  readonly seconds: Invocation[];
  /** How many started while it was. */
  count: number;
}

/** Overlaps kept with their details (per invocation overlapped; the first few overlapping it); all are counted. */
const OVERLAPS_KEPT_MAX = 50;
const SECONDS_KEPT_MAX = 3;

export class OverlapDetector {
  readonly overlaps: Overlap[] = [];
  /** Pairs of invocations in flight at once. */
  overlapCount = 0;
  readonly #overlapOf = new Map<Invocation, Overlap>();
  invocationCount = 0;
  readonly ends: Record<InvocationEnd, number> = { answered: 0, deadline: 0, hangup: 0 };
  readonly #inFlight = new Map<string, Set<Invocation>>();
  /** Invocations and answers per (machine, snapshot step, kind). */
  readonly #runs = new Map<string, { invoked: number; answered: number }>();

  begin(fields: Omit<Invocation, "endMs" | "end">): Invocation {
    const invocation: Invocation = { ...fields, endMs: null, end: null };
    this.invocationCount += 1;
    let flying = this.#inFlight.get(invocation.machineId);
    if (flying === undefined) {
      flying = new Set();
      this.#inFlight.set(invocation.machineId, flying);
    }
    for (const first of flying) this.#record(first, invocation);
    flying.add(invocation);
    this.#run(invocation).invoked += 1;
    return invocation;
  }

  #record(first: Invocation, second: Invocation): void {
    this.overlapCount += 1;
    let overlap = this.#overlapOf.get(first);
    if (overlap === undefined) {
      if (this.overlaps.length >= OVERLAPS_KEPT_MAX) return;
      overlap = { machineId: first.machineId, first, seconds: [], count: 0 };
      this.#overlapOf.set(first, overlap);
      this.overlaps.push(overlap);
    }
    overlap.count += 1;
    if (overlap.seconds.length < SECONDS_KEPT_MAX) overlap.seconds.push(second);
  }

  finish(invocation: Invocation, end: InvocationEnd, nowMs: number): void {
    if (invocation.end !== null) return;
    invocation.end = end;
    invocation.endMs = nowMs;
    this.ends[end] += 1;
    if (end === "answered") this.#run(invocation).answered += 1;
    const flying = this.#inFlight.get(invocation.machineId);
    flying?.delete(invocation);
    this.#overlapOf.delete(invocation);
    if (flying?.size === 0) this.#inFlight.delete(invocation.machineId);
  }

  /** Invocations beyond the first of each step, and answers beyond the first (an answer that was not used). */
  reruns(): { invoked: number; answered: number } {
    let invoked = 0;
    let answered = 0;
    for (const run of this.#runs.values()) {
      invoked += Math.max(0, run.invoked - 1);
      answered += Math.max(0, run.answered - 1);
    }
    return { invoked, answered };
  }

  #run(invocation: Invocation): { invoked: number; answered: number } {
    const key = `${invocation.machineId}\n${invocation.step}\n${invocation.kind}`;
    let run = this.#runs.get(key);
    if (run === undefined) {
      run = { invoked: 0, answered: 0 };
      this.#runs.set(key, run);
    }
    return run;
  }
}
