/**
 * The runners of the machines this node is working on, by machine: one is made when work arrives for a machine and
 * dropped when it goes idle, so an idle machine costs nothing here. Closing waits for the last one to go idle.
 */

import { machineKey } from "../core/machine.js";
import type { EngineContext } from "./engine-context.js";
import { MachineRunner } from "./machine-runner.js";
import type { Namespace } from "./namespace.js";

export class MachineRunners {
  readonly #runners = new Map<string, MachineRunner>();
  /** Aborted when the last runner goes idle after `closing()`. */
  readonly #drained = new AbortController();
  #closing = false;

  constructor(private readonly context: EngineContext) {}

  get size(): number {
    return this.#runners.size;
  }

  /** The machine's runner, made if it has none. */
  of(namespace: Namespace, machineId: string): MachineRunner {
    const key = machineKey(namespace.name, machineId);
    let runner = this.#runners.get(key);
    if (runner === undefined) {
      runner = new MachineRunner(this.context, namespace, machineId, (idle) => this.#idle(key, idle));
      this.#runners.set(key, runner);
    }
    return runner;
  }

  /** The machine's runner if it has one now. */
  existing(namespace: string, machineId: string): MachineRunner | undefined {
    return this.#runners.get(machineKey(namespace, machineId));
  }

  /** No runner is made after this; the signal aborts once every runner has gone idle. */
  closing(): AbortSignal {
    this.#closing = true;
    for (const runner of this.#runners.values()) runner.endWarmWait(); // warm leases go at once
    if (this.#runners.size === 0) this.#drained.abort();
    return this.#drained.signal;
  }

  #idle(key: string, runner: MachineRunner): void {
    if (runner.busy || this.#runners.get(key) !== runner) return;
    this.#runners.delete(key);
    if (this.#closing && this.#runners.size === 0) this.#drained.abort();
  }
}
