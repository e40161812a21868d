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
  /**
   * The node freezes: every storage call it makes waits 1 to 3 lease durations (a stalled connection, a long
   * pause of the process), so its leases expire and other nodes take its machines while its steps still run.
   */
  readonly freeze: number;
  /** A step stalls between its processor's answer and its commit, for half a lease to two leases. */
  readonly stepPause: number;
  /** Chance that a call first waits up to `latencyMsMax` of simulated time (other work runs meanwhile). */
  readonly latency: number;
  readonly latencyMsMax: number;
}

export type StorageFault = Exclude<keyof StorageFaultRates, "latency" | "latencyMsMax">;

export class StorageFaultPlan {
  #enabled = true;
  #frozenUntilUs = 0;

  constructor(
    private readonly node: string,
    private readonly random: Random,
    private readonly rates: StorageFaultRates,
    private readonly clock: SimulatedClock,
    private readonly trace: Trace,
    private readonly leaseDurationMs: number,
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

  /** Some simulated time spent on the way to storage, now and then; all of it while the node is frozen. */
  async latency(): Promise<void> {
    const { clock } = this;
    if (this.strikes("freeze", "every call waits")) {
      const leaseUs = this.leaseDurationMs * 1000;
      this.#frozenUntilUs = Math.max(
        this.#frozenUntilUs,
        clock.nowUs() + this.random.integer(leaseUs, 3 * leaseUs),
      );
    }
    if (this.#frozenUntilUs > clock.nowUs()) await clock.waitUntil(this.#frozenUntilUs);
    if (!this.#enabled || this.random.next() >= this.rates.latency) return;
    const delayUs = this.random.integer(1, this.rates.latencyMsMax * 1000);
    await clock.waitUntil(clock.nowUs() + delayUs);
  }

  /** The engine's fault point between a processor's answer and the commit: now and then the step stalls there. */
  async pauseStep(machineId: string): Promise<void> {
    if (!this.strikes("stepPause", `the step of ${machineId} stalls before its commit`)) return;
    const leaseUs = this.leaseDurationMs * 1000;
    const { clock } = this;
    await clock.waitUntil(clock.nowUs() + this.random.integer(leaseUs / 2, 2 * leaseUs));
  }

  /** A non-empty part of `items`, for a renewal that reports some leases lost. */
  someOf<T>(items: readonly T[]): T[] {
    const chosen = items.filter(() => this.random.next() < 0.5);
    return chosen.length > 0 ? chosen : [this.random.pick(items)];
  }
}
