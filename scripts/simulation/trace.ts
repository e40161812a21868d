/**
 * The trace of a run: one line per operation, answer, processor call, injected fault and committed step, each
 * stamped with the simulated time; and counters of each. Two runs of one seed must write the same trace, which
 * is how the test proves a run replays exactly; a failing run prints its last lines.
 */
import type { Clock } from "../../src/core/time.js";

export class Trace {
  readonly lines: string[] = [];
  readonly counters = new Map<string, number>();

  constructor(private readonly clock: Pick<Clock, "nowUs">) {}

  add(line: string): void {
    this.lines.push(`${formatMs(this.clock.nowUs())} ${line}`);
  }

  count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  counter(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  /** The sum of the counters whose names start with `prefix`. */
  total(prefix: string): number {
    let sum = 0;
    for (const [name, value] of this.counters) if (name.startsWith(prefix)) sum += value;
    return sum;
  }

  /** Counters whose names start with `prefix`, as `name n` pairs sorted by name. */
  summary(prefix: string): string {
    return [...this.counters.entries()]
      .filter(([name]) => name.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, value]) => `${name.slice(prefix.length)} ${value}`)
      .join(", ");
  }

  tail(count: number): string[] {
    return this.lines.slice(-count);
  }
}

/** Simulated time as milliseconds since the start of the run, to the microsecond. */
export function formatMs(instantUs: number): string {
  return `t=${((instantUs - SIMULATION_EPOCH_US) / 1000).toFixed(3)}ms`;
}

/** Every run starts at the same instant (2030-01-01T00:00:00Z), so runs of one seed stamp the same times. */
export const SIMULATION_EPOCH_US = Date.UTC(2030, 0, 1) * 1000;
