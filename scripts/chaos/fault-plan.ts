/**
 * The fault schedule, drawn from the seed before the soak starts, so `--seed N` replays the same faults at the
 * same offsets against the same nodes. Faults come in rounds: each round is every kind once, in a shuffled
 * order, so a run of k rounds injects each kind k times; the gap between two faults is drawn too.
 */
import type { Random } from "./random.js";

export const FAULT_KINDS = [
  "node_kill",
  "node_stop",
  "pg_terminate",
  "pg_restart",
  "processor_unavailable",
  "processor_timeout",
  "processor_slow",
  "processor_fatal",
  "nats_restart",
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export interface PlannedFault {
  /** 1, 2, … in schedule order. */
  readonly number: number;
  /** Offset from the start of the fault phase, ms. */
  readonly atMs: number;
  readonly kind: FaultKind;
  /** node_kill, node_stop: the index of the node meant (the next one up is taken if it is not). */
  readonly node: number;
  /** node_kill, nats_restart: time down; node_stop: time stopped; processor windows: how long they last. */
  readonly durationMs: number;
  /** Processor windows: the share of invocations that misbehave. */
  readonly probability: number;
  /** processor_slow: how long an answer takes. */
  readonly delayMs: number;
}

export interface PlanOptions {
  readonly phaseMs: number;
  readonly leaseDurationMs: number;
  readonly nodeCount: number;
  /** No fault before this offset, so the nodes are busy when the first arrives. */
  readonly warmupMs: number;
  /** No fault in the last part of the phase, so the last ones are healed when the phase ends. */
  readonly quietTailMs: number;
  readonly gapMsMin: number;
  readonly gapMsMax: number;
}

export function planFaults(random: Random, options: PlanOptions): PlannedFault[] {
  const plan: PlannedFault[] = [];
  let atMs = options.warmupMs;
  let round: FaultKind[] = [];
  while (atMs < options.phaseMs - options.quietTailMs) {
    if (round.length === 0) round = random.shuffled(FAULT_KINDS);
    const kind = round.shift() as FaultKind;
    plan.push({ number: plan.length + 1, atMs, kind, ...parametersOf(kind, random, options) });
    atMs += random.between(options.gapMsMin, options.gapMsMax);
  }
  return plan;
}

function parametersOf(
  kind: FaultKind,
  random: Random,
  options: PlanOptions,
): Pick<PlannedFault, "node" | "durationMs" | "probability" | "delayMs"> {
  const lease = options.leaseDurationMs;
  const node = random.integer(0, options.nodeCount - 1);
  const none = { node, durationMs: 0, probability: 0, delayMs: 0 };
  switch (kind) {
    case "node_kill":
      return { ...none, durationMs: random.between(500, 3000) };
    case "node_stop":
      return { ...none, durationMs: lease * random.between(1.5, 2.5) };
    case "nats_restart":
      return { ...none, durationMs: random.between(500, 4000) };
    case "processor_unavailable":
      return { ...none, durationMs: random.between(1000, 3000), probability: random.between(0.3, 0.8) };
    case "processor_timeout":
      return { ...none, durationMs: random.between(1000, 2500), probability: random.between(0.1, 0.3) };
    case "processor_slow":
      return {
        ...none,
        durationMs: random.between(1000, 3000),
        probability: random.between(0.2, 0.5),
        delayMs: lease * random.between(1.25, 2),
      };
    case "pg_terminate":
    case "pg_restart":
    case "processor_fatal":
      return none;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** One line per fault, as the soak prints it when it is injected. */
export function describeFault(fault: PlannedFault, nodeName: string | undefined): string {
  const share = `${Math.round(fault.probability * 100)}% of invocations`;
  switch (fault.kind) {
    case "node_kill":
      return `SIGKILL ${nodeName}, restarted after ${seconds(fault.durationMs)}`;
    case "node_stop":
      return `SIGSTOP ${nodeName} for ${seconds(fault.durationMs)}, then SIGCONT`;
    case "pg_terminate":
      return "pg_terminate_backend of every node connection";
    case "pg_restart":
      return "PostgreSQL restart (pg_ctl restart -m fast)";
    case "processor_unavailable":
      return `processor answers 503 to ${share} for ${seconds(fault.durationMs)}`;
    case "processor_timeout":
      return `processor never answers (until the deadline) ${share} for ${seconds(fault.durationMs)}`;
    case "processor_slow":
      return `processor answers after ${seconds(fault.delayMs)} to ${share} for ${seconds(fault.durationMs)}`;
    case "processor_fatal":
      return "processor answers 500 to the next timer or call step";
    case "nats_restart":
      return `nats-server restart, down for ${seconds(fault.durationMs)}`;
  }
}
