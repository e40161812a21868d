/**
 * A local processor that walks each machine through named steps by a plan drawn from a seeded PRNG: init →
 * risk_check → bank_session → capture | decline, some machines straight from init to bank_session, some steps
 * failing transiently a few times first, a few failing fatally. The aux state holds the name of the step the
 * timer runs. The processor counts what it really does, on its own: every invocation, folded into visits (a step
 * and its retries) and transitions (one visit after another), for a test to compare with the flow the engine
 * folds from its journal.
 */
import { ProcessorUnavailableError } from "../../src/core/errors.js";
import type { DeclaredFlow } from "../../src/engine/namespace.js";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import { pack, unpack } from "../../src/processors/payload.js";
import type { Processor } from "../../src/processors/processor.js";

export const FLOW_STEPS = ["init", "risk_check", "bank_session", "capture", "decline"] as const;
type FlowStep = (typeof FLOW_STEPS)[number];

/** The declaration the test namespace carries: it lacks the fast track and has a refund nobody reaches. */
export const DECLARED_FLOW: DeclaredFlow = {
  strict: false,
  steps: [...FLOW_STEPS, "refund"],
  transitions: [
    ["init", "risk_check"],
    ["risk_check", "bank_session"],
    ["bank_session", "capture"],
    ["bank_session", "decline"],
    ["capture", "refund"],
  ],
};

/** A small seeded PRNG (mulberry32): the same seed gives the same plans. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Plan {
  /** The steps after init, in order. */
  readonly path: readonly FlowStep[];
  /** Transient failures of each step before it succeeds (or fails fatally). */
  readonly transient: Readonly<Partial<Record<FlowStep, number>>>;
  /** The step that fails fatally, if any: the machine fails there. */
  readonly fatalAt: FlowStep | null;
}

function drawPlan(random: () => number): Plan {
  const fastTrack = random() < 0.1;
  const ending: FlowStep = random() < 0.3 ? "decline" : "capture";
  const path: FlowStep[] = [...(fastTrack ? [] : ["risk_check" as const]), "bank_session", ending];
  const transient: Partial<Record<FlowStep, number>> = {};
  for (const step of path) {
    const draw = random();
    transient[step] = draw < 0.7 ? 0 : draw < 0.9 ? 1 : draw < 0.97 ? 2 : 3;
  }
  const fatal = random();
  const fatalAt: FlowStep | null = fatal < 0.015 ? "bank_session" : fatal < 0.025 ? ending : null;
  return { path, transient, fatalAt };
}

/** What the processor counted: visits and attempts per step, per transition, with retried and failed visits. */
export interface Tally {
  readonly visits: number;
  readonly attempts: number;
  readonly retried: number;
  readonly failed: number;
}

export interface CountedFlow {
  readonly nodes: Map<string, Tally>;
  /** Keyed `from → to`: the figures of the `to` visits that followed a `from` visit. */
  readonly edges: Map<string, Tally>;
}

interface Visit {
  readonly step: string;
  attempts: number;
  failed: boolean;
}

export interface SeededFlowProcessor {
  readonly processor: Processor;
  /** Draws the plan of a machine; call before starting it. */
  plan(machineId: string): void;
  /** Machines whose walk ended (their last step succeeded with no next one, or failed fatally). */
  finished(): number;
  /** The visits and transitions the processor performed, folded from its own invocations. */
  counted(): CountedFlow;
}

export function seededFlowProcessor(seed: number): SeededFlowProcessor {
  const random = seededRandom(seed);
  const plans = new Map<string, Plan>();
  const attemptsOf = new Map<string, number>();
  const invocations = new Map<string, { step: string; outcome: "ok" | "transient" | "fatal" }[]>();
  let finished = 0;
  const note = (id: string, step: string, outcome: "ok" | "transient" | "fatal") => {
    const list = invocations.get(id) ?? [];
    list.push({ step, outcome });
    invocations.set(id, list);
  };
  const next = (plan: Plan, step: FlowStep) => {
    const index = step === "init" ? 0 : plan.path.indexOf(step) + 1;
    const following = plan.path[index];
    if (following === undefined) finished += 1;
    return {
      events: [{ data: pack(step) }],
      auxState: { data: pack(following ?? "done") },
      timer: following === undefined ? timer.unset() : timer.now({ step: following }),
    };
  };
  const processor = localProcessor({
    init: ({ machine }) => {
      note(machine.id, "init", "ok");
      return next(plans.get(machine.id) as Plan, "init");
    },
    timer: ({ machine }) => {
      const plan = plans.get(machine.id) as Plan;
      const step = unpack(machine.auxState.data) as FlowStep;
      const key = `${machine.id} ${step}`;
      const attempt = (attemptsOf.get(key) ?? 0) + 1;
      attemptsOf.set(key, attempt);
      if (attempt <= (plan.transient[step] ?? 0)) {
        note(machine.id, step, "transient");
        throw new ProcessorUnavailableError(`${step} is busy (attempt ${attempt})`);
      }
      if (plan.fatalAt === step) {
        note(machine.id, step, "fatal");
        finished += 1;
        throw new Error(`${step} failed for good`);
      }
      note(machine.id, step, "ok");
      return next(plan, step);
    },
  });
  return {
    processor,
    plan: (machineId) => plans.set(machineId, drawPlan(random)),
    finished: () => finished,
    counted: () => countFlow(invocations),
  };
}

function countFlow(invocations: Map<string, { step: string; outcome: string }[]>): CountedFlow {
  const nodes = new Map<string, Tally>();
  const edges = new Map<string, Tally>();
  const add = (map: Map<string, Tally>, key: string, visit: Visit) => {
    const tally = map.get(key) ?? { visits: 0, attempts: 0, retried: 0, failed: 0 };
    map.set(key, {
      visits: tally.visits + 1,
      attempts: tally.attempts + visit.attempts,
      retried: tally.retried + (visit.attempts > 1 ? 1 : 0),
      failed: tally.failed + (visit.failed ? 1 : 0),
    });
  };
  for (const list of invocations.values()) {
    const visits: Visit[] = [];
    for (const { step, outcome } of list) {
      const current = visits.at(-1);
      if (current !== undefined && current.step === step) current.attempts += 1;
      else visits.push({ step, attempts: 1, failed: false });
      (visits.at(-1) as Visit).failed = outcome === "fatal";
    }
    for (const [index, visit] of visits.entries()) {
      add(nodes, visit.step, visit);
      const previous = visits[index - 1];
      if (previous !== undefined) add(edges, `${previous.step} → ${visit.step}`, visit);
    }
  }
  return { nodes, edges };
}
