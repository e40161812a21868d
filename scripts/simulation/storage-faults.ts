/**
 * One node's fault plan for storage: which call fails how, drawn from the node's own seeded stream so that the
 * faults of a run replay exactly. Each kind of fault has its chance per call; the plan is switched off for the
 * quiet phase at the end of a run.
 */
import type { Random } from "../chaos/random.js";
import type { SimulatedClock } from "./clock.js";
import type { Trace } from "./trace.js";

export interface StorageFaultRates {
  /** commit: refused before anything is sent (StorageUnavailableError; nothing committed). */
  readonly commitRefused: number;
  /** commit: the connection breaks before COMMIT is sent (StorageUnavailableError; nothing committed). */
  readonly commitLostBeforeCommit: number;
  /** commit: the connection breaks after COMMIT was sent; the commit happened (StorageResultUnknownError). */
  readonly commitLostAfterCommit: number;
  /** renewLeases throws StorageUnavailableError: the leases are not extended. */
  readonly renewFails: number;
  /** renewLeases reports some leases lost although storage still holds them (a storage that lies). */
  readonly renewReportsLost: number;
  /** A claim of due timers or notifications throws StorageUnavailableError before claiming. */
  readonly claimFails: number;
  /** A claim takes its leases, then its answer is lost (StorageResultUnknownError). */
  readonly claimLostAfter: number;
  readonly acquireFails: number;
  /** acquireLease takes the lease, then its answer is lost. */
  readonly acquireLostAfter: number;
  readonly releaseFails: number;
  readonly insertFails: number;
  /** insertNotification stores the notification, then its answer is lost. */
  readonly insertLostAfter: number;
  readonly readFails: number;
  /** Chance that a call first waits up to `latencyMsMax` of simulated time (other work runs meanwhile). */
  readonly latency: number;
  readonly latencyMsMax: number;
}

export type StorageFault = Exclude<keyof StorageFaultRates, "latency" | "latencyMsMax">;

export class StorageFaultPlan {
  #enabled = true;

  constructor(
    private readonly node: string,
    private readonly random: Random,
    private readonly rates: StorageFaultRates,
    private readonly clock: SimulatedClock,
    private readonly trace: Trace,
  ) {}

  disable(): void {
    this.#enabled = false;
  }

  /** Whether this call suffers `fault`; an injected fault is traced and counted. */
  strikes(fault: StorageFault, detail: string): boolean {
    if (!this.#enabled || this.random.next() >= this.rates[fault]) return false;
    this.trace.count(`fault ${fault}`);
    this.trace.add(`${this.node} storage fault ${fault}: ${detail}`);
    return true;
  }

  /** Picks the first of `faults` that strikes, or null: one draw per kind, in order. */
  first(faults: readonly StorageFault[], detail: string): StorageFault | null {
    for (const fault of faults) if (this.strikes(fault, detail)) return fault;
    return null;
  }

  /** Some simulated time spent on the way to storage, now and then. */
  async latency(): Promise<void> {
    if (!this.#enabled || this.random.next() >= this.rates.latency) return;
    const delayUs = this.random.integer(1, this.rates.latencyMsMax * 1000);
    await this.clock.waitUntil(this.clock.nowUs() + delayUs);
  }

  /** A non-empty part of `items`, for a renewal that reports some leases lost. */
  someOf<T>(items: readonly T[]): T[] {
    const chosen = items.filter(() => this.random.next() < 0.5);
    return chosen.length > 0 ? chosen : [this.random.pick(items)];
  }
}
