/**
 * Applies the fault schedule to the parts the soak started, each at its planned offset. Faults on one part run
 * one after another (a lane per node, PostgreSQL, NATS), so a restart is never cut into by the next fault on
 * the same part; faults on different parts overlap freely. A node fault meant for a node that is down already
 * goes to the next node that is up. `settle` waits until every fault has been healed.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describeFault, FAULT_KINDS, type FaultKind, type PlannedFault } from "./fault-plan.js";
import type { NatsServer } from "./nats-server.js";
import type { PostgresCluster } from "./postgres-cluster.js";
import type { ProcessorFault } from "./processor-faults.js";
import type { ProcessorLink } from "./processor-link.js";
import type { RatchetNode } from "./ratchet-nodes.js";

export interface FaultTargets {
  readonly nodes: readonly RatchetNode[];
  readonly postgres: PostgresCluster;
  /** The nodes' database, whose backends are terminated. */
  readonly database: string;
  readonly nats: NatsServer;
  readonly processor: ProcessorLink;
}

const NODE_START_ATTEMPTS = 3;

/** A fault as it was injected, for the checker to name the faults around a violation. */
export interface InjectedFault {
  readonly number: number;
  readonly kind: FaultKind;
  readonly atMs: number;
  readonly description: string;
}

export class FaultInjector {
  readonly injected = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  /** Node faults that found no node up. */
  skipped = 0;
  backendsTerminated = 0;
  /** Faults that could not be applied or healed, with the reason. */
  readonly errors: string[] = [];
  readonly history: InjectedFault[] = [];
  readonly #lanes = new Map<string, Promise<void>>();

  constructor(
    private readonly targets: FaultTargets,
    private readonly log: (line: string) => void,
  ) {}

  /** Injects each fault at `phaseStartMs + atMs` until the plan ends or the abort. */
  async run(plan: readonly PlannedFault[], phaseStartMs: number, signal: AbortSignal): Promise<void> {
    for (const fault of plan) {
      const waitMs = phaseStartMs + fault.atMs - Date.now();
      if (waitMs > 0) await sleep(waitMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      this.#inject(fault);
    }
  }

  /** Resolves when every fault injected so far has run its course (nodes up, servers back). */
  async settle(): Promise<void> {
    this.targets.processor.clear();
    await Promise.all(this.#lanes.values());
  }

  #inject(fault: PlannedFault): void {
    let node: RatchetNode | undefined;
    if (fault.kind === "node_kill" || fault.kind === "node_stop") {
      node = this.#nodeFor(fault.node);
      if (node === undefined) {
        this.skipped += 1;
        this.log(`fault ${fault.number} ${fault.kind}: skipped, no node is up`);
        return;
      }
    }
    this.injected[fault.kind] += 1;
    const description = describeFault(fault, node?.name);
    this.history.push({ number: fault.number, kind: fault.kind, atMs: Date.now(), description });
    this.log(`fault ${fault.number} ${fault.kind}: ${description}`);
    if (node !== undefined) {
      const target = node;
      this.#inLane(node.name, fault, () => this.#nodeFault(fault, target));
    } else if (fault.kind === "pg_terminate" || fault.kind === "pg_restart") {
      this.#inLane("postgres", fault, () => this.#postgresFault(fault));
    } else if (fault.kind === "nats_restart") {
      this.#inLane("nats", fault, () => this.targets.nats.restart(fault.durationMs));
    } else {
      this.targets.processor.inject(processorFaultOf(fault));
    }
  }

  async #postgresFault(fault: PlannedFault): Promise<void> {
    const { postgres, database } = this.targets;
    if (fault.kind === "pg_restart") return postgres.restart();
    this.backendsTerminated += await postgres.terminateBackends(database);
  }

  /** The node meant if it is up and idle, else the next one that is. */
  #nodeFor(index: number): RatchetNode | undefined {
    const { nodes } = this.targets;
    for (let offset = 0; offset < nodes.length; offset += 1) {
      const node = nodes[(index + offset) % nodes.length] as RatchetNode;
      if (node.state === "up" && !this.#lanes.has(node.name)) return node;
    }
    return undefined;
  }

  async #nodeFault(fault: PlannedFault, node: RatchetNode): Promise<void> {
    if (fault.kind === "node_stop") {
      node.stop();
      await sleep(fault.durationMs);
      node.continue();
      return;
    }
    await node.kill();
    await sleep(fault.durationMs);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await node.start();
      } catch (error) {
        if (attempt >= NODE_START_ATTEMPTS) throw error;
        this.log(`${node.name} did not start (attempt ${attempt}): ${(error as Error).message}`);
      }
    }
  }

  /** Runs `task` after the lane's previous fault; a failure is recorded, and the lane goes on. */
  #inLane(lane: string, fault: PlannedFault, task: () => Promise<void>): void {
    const previous = this.#lanes.get(lane) ?? Promise.resolve();
    const next = previous
      .then(task)
      .catch((error: unknown) => {
        const reason = `fault ${fault.number} ${fault.kind}: ${error instanceof Error ? error.message : String(error)}`;
        this.errors.push(reason);
        this.log(`could not apply or heal ${reason}`);
      })
      .finally(() => {
        if (this.#lanes.get(lane) === next) this.#lanes.delete(lane);
      });
    this.#lanes.set(lane, next);
  }
}

function processorFaultOf(fault: PlannedFault): ProcessorFault {
  const window = { windowMs: fault.durationMs, probability: fault.probability, delayMs: fault.delayMs };
  switch (fault.kind) {
    case "processor_fatal":
      return { kind: "fatal" };
    case "processor_unavailable":
      return { kind: "unavailable", ...window };
    case "processor_timeout":
      return { kind: "timeout", ...window };
    case "processor_slow":
      return { kind: "slow", ...window };
    default:
      throw new Error(`${fault.kind} is not a processor fault`);
  }
}
