/**
 * The simulated clock: the engine's `Clock` port on a time that moves only when the run loop moves it. A wait is
 * a waiter in a queue ordered by instant, then by arrival; the run loop resolves the earliest ones once nothing
 * else can run, so a run never waits for real time and replays exactly.
 */
import type { Clock } from "../../src/core/time.js";

interface Waiter {
  readonly instantUs: number;
  readonly sequence: number;
  readonly resolve: () => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

export class SimulatedClock implements Clock {
  #nowUs: number;
  #sequence = 0;
  /** Sorted by instant, then by sequence: resolved front first. */
  #waiters: Waiter[] = [];

  constructor(startUs: number) {
    this.#nowUs = startUs;
  }

  nowUs(): number {
    return this.#nowUs;
  }

  /**
   * A wait for an instant already past ends at the next quiet point, without moving time. Instants are whole
   * microseconds, as a real clock reads them: a wait for a fraction of one ends at the next whole one.
   */
  waitUntil(instantUs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const waiter: Waiter = {
        instantUs: Math.max(Math.ceil(instantUs), this.#nowUs),
        sequence: this.#sequence++,
        resolve,
        signal,
        onAbort: () => {
          this.#remove(waiter);
          resolve();
        },
      };
      this.#insert(waiter);
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
    });
  }

  /** Waits that have not ended. */
  get pending(): number {
    return this.#waiters.length;
  }

  /** The instant of the earliest wait, or null when nothing waits. */
  nextInstantUs(): number | null {
    return this.#waiters[0]?.instantUs ?? null;
  }

  /** Moves time to the earliest wait and ends every wait due then, in arrival order; returns how many. */
  advance(): number {
    const first = this.#waiters[0];
    if (first === undefined) return 0;
    this.#nowUs = Math.max(this.#nowUs, first.instantUs);
    let count = 0;
    while (this.#waiters.length > 0 && (this.#waiters[0] as Waiter).instantUs <= this.#nowUs) {
      const waiter = this.#waiters.shift() as Waiter;
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.resolve();
      count += 1;
    }
    return count;
  }

  #insert(waiter: Waiter): void {
    // Binary search for the first waiter due later: equal instants keep their arrival order.
    let low = 0;
    let high = this.#waiters.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#waiters[middle] as Waiter).instantUs <= waiter.instantUs) low = middle + 1;
      else high = middle;
    }
    this.#waiters.splice(low, 0, waiter);
  }

  #remove(waiter: Waiter): void {
    const index = this.#waiters.indexOf(waiter);
    if (index >= 0) this.#waiters.splice(index, 1);
  }
}
