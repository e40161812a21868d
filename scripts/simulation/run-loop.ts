/**
 * The run loop: lets the process run every turn it can (promises, the engine's deferred group commits, the
 * embedded store's write batches), and when nothing is left to run, moves the simulated clock to the earliest
 * wait. Nothing in the run uses a real timer, so the order of turns, and with it the whole run, follows from the
 * seed alone.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import type { SimulatedClock } from "./clock.js";

export interface RunLoopOptions {
  readonly clock: SimulatedClock;
  /** True while the real store has calls under way: their write batch flushes on a later turn. */
  readonly storageBusy: () => boolean;
  /** Runs at each quiet point, before time moves (the checker compares storage with the model there). */
  readonly onQuiet: () => Promise<void>;
  /** True once the checker has seen a violation: the run stops at the next quiet point. */
  readonly stopped: () => boolean;
  /** A run that reaches this simulated instant is stuck (a wait that never ends, a step that never commits). */
  readonly endUsMax: number;
  /** Turns at one instant beyond which the run is spinning without letting time move. */
  readonly turnsPerInstantMax: number;
}

export type RunEnd = "finished" | "stopped" | "deadlocked" | "overran" | "spinning";

export class RunLoop {
  readonly #options: RunLoopOptions;
  #deferred = 0;

  constructor(options: RunLoopOptions) {
    this.#options = options;
  }

  /** The engine's `defer`: the next turn, counted, so the loop knows a group commit is still to come. */
  readonly defer = (callback: () => void): void => {
    this.#deferred += 1;
    setImmediate(() => {
      this.#deferred -= 1;
      callback();
    });
  };

  /** Runs until `scenario` settles, the checker stops the run, or the run cannot go on. */
  async run(scenario: Promise<unknown>): Promise<RunEnd> {
    const { clock } = this.#options;
    let finished = false;
    let failure: { error: unknown } | null = null;
    scenario.then(
      () => {
        finished = true;
      },
      (error: unknown) => {
        failure = { error };
      },
    );
    let turns = 0;
    for (;;) {
      await nextTurn();
      if (failure !== null) throw (failure as { error: unknown }).error;
      if (finished) return "finished";
      if (this.#busy()) {
        turns += 1;
        if (turns > this.#options.turnsPerInstantMax) return "spinning";
        continue;
      }
      await this.#options.onQuiet();
      if (this.#options.stopped()) return "stopped";
      const nextUs = clock.nextInstantUs();
      if (nextUs === null) return "deadlocked";
      if (nextUs > this.#options.endUsMax) return "overran";
      if (nextUs > clock.nowUs()) turns = 0;
      turns += 1;
      if (turns > this.#options.turnsPerInstantMax) return "spinning";
      clock.advance();
    }
  }

  /** Runs what can run without moving time (after a stop, so nothing is left half done when storage closes). */
  async drain(): Promise<void> {
    for (let turn = 0; turn < this.#options.turnsPerInstantMax; turn += 1) {
      await nextTurn();
      if (!this.#busy()) return;
    }
  }

  #busy(): boolean {
    return this.#deferred > 0 || this.#options.storageBusy();
  }
}
