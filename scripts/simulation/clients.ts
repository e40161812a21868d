/**
 * Simulated clients: each sends a seeded series of random operations (start, call, get, notify, repair, simple
 * repair, remove) to random nodes, with random ranges and deadlines, pausing between them. After an answer whose
 * result is unknown, a client reads the machine to learn what became of its step. The checker registers each
 * operation before it is sent and judges each answer.
 */
import {
  DeadlineExceededError,
  MachineNotFoundError,
  StorageResultUnknownError,
} from "../../src/core/errors.js";
import type { HistoryRange } from "../../src/core/history-range.js";
import type { Engine } from "../../src/engine/engine.js";
import type { Random } from "../chaos/random.js";
import type { Answer } from "./answer-checks.js";
import type { Checker } from "./checker.js";
import type { SimulatedClock } from "./clock.js";
import type { ClientOp, OperationPlan, OpKind } from "./ledger.js";
import { currentState } from "./ledger.js";
import { encodeJson } from "./processor.js";

export interface SimulatedNode {
  readonly name: string;
  readonly engine: Engine;
  readonly namespaces: readonly string[];
}

export interface ClientContext {
  readonly clock: SimulatedClock;
  readonly nodes: readonly SimulatedNode[];
  readonly machines: readonly { readonly namespace: string; readonly id: string }[];
  readonly checker: Checker;
  /** The deadline of a request that names none (the namespaces' processing timeout). */
  readonly defaultDeadlineMs: number;
  /** The longest pause between two operations of one client. */
  readonly pauseMsMax: number;
}

const OPERATION_WEIGHTS: readonly (readonly [OpKind, number])[] = [
  ["start", 18],
  ["call", 38],
  ["get", 10],
  ["notify", 12],
  ["repair", 8],
  ["simpleRepair", 8],
  ["remove", 3],
];
/** What calls ask of the processor, as often as each appears here. */
const CALL_ACTS = "inc inc inc inc emit emit read read timer timer timer timer unset remove".split(" ");
/** The chance that a client picks one of its own few machines: steps of one machine then follow each other. */
const OWN_MACHINE_CHANCE = 0.7;
const OWN_MACHINES = 2;
const START_ON_MISSING = 0.7;
const WHOLE_HISTORY: HistoryRange = { direction: "forward" };
const RANGES: readonly HistoryRange[] = [
  { direction: "backward", limit: 3 },
  { after: 2, direction: "forward" },
  { after: 3, limit: 2, direction: "backward" },
  { limit: 0, direction: "forward" },
];

export async function runClient(context: ClientContext, client: number, random: Random, count: number) {
  const { clock } = context;
  let next: OperationPlan | null = null;
  for (let index = 0; index < count; index += 1) {
    await clock.waitUntil(clock.nowUs() + random.integer(0, context.pauseMsMax) * 1000);
    if (context.checker.failed) return;
    const plan: OperationPlan =
      next === null ? planOf(context, client, random) : { ...next, deadlineUs: deadlineOf(context, random) };
    const answer = await perform(context, plan);
    // A client that finds no machine usually creates it, as callers that create on demand do.
    const missing =
      !answer.ok && answer.error instanceof MachineNotFoundError && random.next() < START_ON_MISSING;
    next = missing
      ? { ...plan, kind: "start", act: undefined, deadlineUs: deadlineOf(context, random) }
      : null;
  }
}

/** Simple-repairs every failed machine, through a node that serves it: the quiet phase's way to settle them. */
export async function repairFailed(context: ClientContext, random: Random): Promise<void> {
  for (const entry of context.checker.machines) {
    const state = currentState(entry);
    if (!state.exists || state.failure === null) continue;
    const node = random.pick(context.nodes.filter((each) => each.namespaces.includes(entry.namespace)));
    await perform(context, {
      kind: "simpleRepair",
      client: 0,
      node: node.name,
      namespace: entry.namespace,
      machineId: entry.id,
      range: WHOLE_HISTORY,
      deadlineUs: context.clock.nowUs() + context.defaultDeadlineMs * 1000,
    });
  }
}

function planOf(context: ClientContext, client: number, random: Random): OperationPlan {
  const { machines } = context;
  const own = Array.from(
    { length: OWN_MACHINES },
    (_, index) => machines[(client + index) % machines.length]!,
  );
  const machine = random.pick(random.next() < OWN_MACHINE_CHANCE ? own : machines);
  const node = random.pick(context.nodes.filter((each) => each.namespaces.includes(machine.namespace)));
  const kind = weighted(random, OPERATION_WEIGHTS);
  const act =
    kind === "call"
      ? random.pick(CALL_ACTS)
      : kind === "repair"
        ? random.pick(["ok", "ok", "ok", "refuse"])
        : undefined;
  const hasDeadline = kind !== "get" && kind !== "notify";
  const deadlineUs = deadlineOf(context, random);
  return {
    kind,
    client,
    node: node.name,
    namespace: machine.namespace,
    machineId: machine.id,
    ...(act === undefined ? {} : { act }),
    range: random.next() < 0.7 ? WHOLE_HISTORY : random.pick(RANGES),
    deadlineUs: hasDeadline ? deadlineUs : null,
  };
}

async function perform(context: ClientContext, plan: OperationPlan): Promise<Answer> {
  const { checker } = context;
  const node = context.nodes.find((each) => each.name === plan.node) as SimulatedNode;
  const op = checker.issue(plan, node.engine);
  let answer: Answer;
  try {
    answer = { ok: true, value: await send(node.engine, op) };
  } catch (error) {
    answer = { ok: false, error };
  }
  checker.answered(op, answer);
  const unknown =
    !answer.ok &&
    (answer.error instanceof StorageResultUnknownError || answer.error instanceof DeadlineExceededError);
  if (unknown && !checker.failed) {
    const { client, node, namespace, machineId } = plan;
    const learn = {
      kind: "get",
      client,
      node,
      namespace,
      machineId,
      range: WHOLE_HISTORY,
      deadlineUs: null,
    } as const;
    await perform(context, { ...learn, learns: op.id });
  }
  return answer;
}

function send(engine: Engine, op: ClientOp): Promise<unknown> {
  const { namespace, machineId, range } = op;
  const args = encodeJson({ op: op.id, ...(op.act === undefined ? {} : { act: op.act }) });
  const deadline = op.deadlineUs === null ? {} : { deadlineUs: op.deadlineUs };
  switch (op.kind) {
    case "start":
      return engine.start(namespace, machineId, args, deadline);
    case "call":
      return engine.call(namespace, machineId, args, { ...deadline, range });
    case "repair":
      return engine.repair(namespace, machineId, args, { ...deadline, range });
    case "simpleRepair":
      return engine.simpleRepair(namespace, machineId, deadline);
    case "remove":
      return engine.remove(namespace, machineId, deadline);
    case "notify":
      return engine.notify(namespace, machineId, args, { range });
    case "get":
      return engine.get(namespace, machineId, range);
  }
}

/** Mostly the namespaces' own deadline; now and then a short one, which slow steps outlive. */
function deadlineOf(context: ClientContext, random: Random): number {
  const deadlineMs = random.next() < 0.8 ? context.defaultDeadlineMs : random.integer(20, 600);
  return context.clock.nowUs() + deadlineMs * 1000;
}

function weighted<T>(random: Random, choices: readonly (readonly [T, number])[]): T {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  let draw = random.next() * total;
  for (const [choice, weight] of choices) {
    draw -= weight;
    if (draw < 0) return choice;
  }
  return (choices.at(-1) as readonly [T, number])[0];
}
