/**
 * The chain workload, driven through the Automaton API: keeps a number of chain machines running (a new one
 * started when one finishes), calls a running machine now and then, watches each machine, and simple-repairs a
 * machine an injected fatal fault failed. A machine that failed for any other reason is left failed, and
 * reported. Draining stops new machines and calls and waits until every machine has finished.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { stateProcessing } from "../../src/mg/thrift/generated/index.js";
import type { AutomatonPool } from "./automaton.js";
import { callArgs, initArgs, readChainEvent } from "./chain.js";
import { INJECTED_FATAL_REASON } from "./processor-link.js";
import type { Random } from "./random.js";

export interface WorkloadOptions {
  /** Machines running at once. */
  readonly concurrency: number;
  readonly targetMin: number;
  readonly targetMax: number;
  /** Mean pause between two calls, ms. */
  readonly callIntervalMs: number;
  /** How often each running machine is looked at, ms. */
  readonly pollIntervalMs: number;
  readonly idPrefix: string;
}

type MachineState = "starting" | "running" | "finished" | "failed";

export interface TrackedMachine {
  readonly id: string;
  readonly target: number;
  state: MachineState;
  /** A start, look or repair in flight: one at a time. */
  busy: boolean;
  calling: boolean;
  nextLookMs: number;
  failureReason?: string;
}

/** Counts by outcome label (`ok`, `MachineAlreadyExists`, `resource unavailable`, …). */
export type Tally = Record<string, number>;

const TICK_MS = 100;
const START_DEADLINE_MS = 5000;
const CALL_DEADLINE_MS = 3000;
const LOOK_DEADLINE_MS = 3000;
const RETRY_PAUSE_MS = 500;

function count(tally: Tally, label: string): void {
  tally[label] = (tally[label] ?? 0) + 1;
}

export class ChainWorkload {
  readonly machines = new Map<string, TrackedMachine>();
  readonly starts: Tally = {};
  readonly calls: Tally = {};
  readonly repairs: Tally = {};
  #nextCallMs = 0;

  constructor(
    private readonly automaton: AutomatonPool,
    private readonly random: Random,
    private readonly options: WorkloadOptions,
    private readonly log: (line: string) => void,
  ) {}

  /** Runs the workload until `untilMs` (epoch ms) or the abort. */
  async run(untilMs: number, signal: AbortSignal): Promise<void> {
    while (Date.now() < untilMs && !signal.aborted) {
      this.#topUp();
      this.#callNowAndThen();
      this.#lookAtMachines();
      await sleep(TICK_MS);
    }
  }

  /** Waits until every machine has finished or failed; false when `untilMs` came first. */
  async drain(untilMs: number, signal: AbortSignal): Promise<boolean> {
    while (Date.now() < untilMs && !signal.aborted) {
      this.#lookAtMachines();
      if (this.#open().length === 0) return true;
      await sleep(TICK_MS);
    }
    return this.#open().length === 0;
  }

  /** Machines not yet finished or failed. */
  #open(): TrackedMachine[] {
    return [...this.machines.values()].filter(
      (machine) => machine.state === "starting" || machine.state === "running",
    );
  }

  #topUp(): void {
    for (let open = this.#open().length; open < this.options.concurrency; open += 1) {
      const id = `${this.options.idPrefix}-${this.machines.size + 1}`;
      const target = this.random.integer(this.options.targetMin, this.options.targetMax);
      this.machines.set(id, { id, target, state: "starting", busy: false, calling: false, nextLookMs: 0 });
    }
  }

  #callNowAndThen(): void {
    const nowMs = Date.now();
    if (nowMs < this.#nextCallMs) return;
    this.#nextCallMs = nowMs + this.random.between(0.5, 1.5) * this.options.callIntervalMs;
    const running = [...this.machines.values()].filter(
      (machine) => machine.state === "running" && !machine.calling,
    );
    if (running.length === 0) return;
    const machine = this.random.pick(running);
    machine.calling = true;
    void this.automaton.call(machine.id, callArgs(), CALL_DEADLINE_MS).then((outcome) => {
      machine.calling = false;
      count(this.calls, outcome.ok ? "ok" : outcome.label);
    });
  }

  #lookAtMachines(): void {
    const nowMs = Date.now();
    for (const machine of this.#open()) {
      if (machine.busy || nowMs < machine.nextLookMs) continue;
      machine.busy = true;
      const step = machine.state === "starting" ? this.#start(machine) : this.#look(machine);
      void step.finally(() => {
        machine.busy = false;
      });
    }
  }

  async #start(machine: TrackedMachine): Promise<void> {
    const outcome = await this.automaton.start(machine.id, initArgs(machine.target), START_DEADLINE_MS);
    count(this.starts, outcome.ok ? "ok" : outcome.label);
    // An earlier attempt that seemed to fail may have committed: the machine exists, which is all a start wants.
    if (outcome.ok || outcome.label === "MachineAlreadyExists") {
      machine.state = "running";
      machine.nextLookMs = Date.now() + this.options.pollIntervalMs;
    } else {
      machine.nextLookMs = Date.now() + RETRY_PAUSE_MS;
    }
  }

  async #look(machine: TrackedMachine): Promise<void> {
    machine.nextLookMs = Date.now() + this.options.pollIntervalMs;
    const outcome = await this.automaton.getMachine(machine.id, LOOK_DEADLINE_MS);
    if (!outcome.ok) return;
    const found = outcome.value;
    const reason = found.status?.failed?.reason;
    if (found.status?.failed !== undefined) {
      if (reason?.includes(INJECTED_FATAL_REASON) === true) return this.#repair(machine);
      machine.state = "failed";
      machine.failureReason = reason ?? "(no reason)";
      this.log(`machine ${machine.id} failed, not by an injected fault: ${machine.failureReason}`);
      return;
    }
    if (isComplete(found, machine.target)) machine.state = "finished";
  }

  async #repair(machine: TrackedMachine): Promise<void> {
    const outcome = await this.automaton.simpleRepair(machine.id, LOOK_DEADLINE_MS);
    count(this.repairs, outcome.ok ? "ok" : outcome.label);
    if (!outcome.ok) machine.nextLookMs = Date.now() + RETRY_PAUSE_MS;
  }
}

/** No timer, and the last event is the target step: the chain's own view (the checker judges the ids). */
function isComplete(machine: stateProcessing.Machine, target: number): boolean {
  const last = machine.history.at(-1);
  if (last === undefined || machine.timer !== undefined) return false;
  return (readChainEvent(last.data)?.step ?? 0) >= target;
}
