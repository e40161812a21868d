/**
 * The lease keeper: renews, in one storage call, the leases this node holds while their steps run, so a
 * slow processor call does not lose its machine. A lease the storage reports lost is handed back to its
 * holder, whose commit would be refused by the fence anyway.
 *
 * States: running (a renewal every third of the lease duration) → stopped.
 */
import type { Clock } from "../core/time.js";
import { MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import type { Lease, MachineStore } from "../storage/machine-store.js";

export interface LeaseHolder {
  /** The lease held now, if any. */
  heldLease(): Lease | null;
  /** Called when the storage extended the lease to `untilUs`. */
  leaseRenewed(lease: Lease, untilUs: number): void;
  /** Called when the storage says the lease is gone. */
  leaseLost(lease: Lease): void;
}

export class LeaseKeeper {
  readonly #holders = new Set<LeaseHolder>();
  readonly #stop = new AbortController();
  #loop: Promise<void> | null = null;

  constructor(
    private readonly storage: Pick<MachineStore, "renewLeases">,
    private readonly clock: Clock,
    private readonly leaseDurationMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  track(holder: LeaseHolder): void {
    this.#holders.add(holder);
  }

  untrack(holder: LeaseHolder): void {
    this.#holders.delete(holder);
  }

  start(): void {
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const intervalUs = (this.leaseDurationMs * MICROSECONDS_PER_MILLISECOND) / 3;
    while (!this.#stop.signal.aborted) {
      await this.clock.waitUntil(this.clock.nowUs() + intervalUs, this.#stop.signal);
      if (this.#stop.signal.aborted) return;
      await this.renewNow().catch(this.onError);
    }
  }

  async renewNow(): Promise<void> {
    const held = new Map<string, { lease: Lease; holder: LeaseHolder }>();
    for (const holder of this.#holders) {
      const lease = holder.heldLease();
      if (lease !== null) held.set(leaseKey(lease), { lease, holder });
    }
    if (held.size === 0) return;
    const untilUs = this.clock.nowUs() + this.leaseDurationMs * MICROSECONDS_PER_MILLISECOND;
    const lost = await this.storage.renewLeases(
      [...held.values()].map((entry) => entry.lease),
      untilUs,
    );
    const lostKeys = new Set(lost.map(leaseKey));
    for (const [key, { lease, holder }] of held) {
      if (lostKeys.has(key)) holder.leaseLost(lease);
      else holder.leaseRenewed(lease, untilUs);
    }
  }
}

function leaseKey(lease: Lease): string {
  return `${lease.namespace}\u0000${lease.machineId}\u0000${lease.epoch}`;
}
