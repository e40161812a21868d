/**
 * Machines this node must not keep warm for now: another node asked for one (a request of its own, or a
 * notification to deliver), so for the next warm time this node gives the lease up with each step, as it would
 * with warm leases off, and the other node gets in between. Kept here, not in the machine's runner, because a
 * runner is dropped as soon as it is idle. Entries end on their own; the map is swept when it grows.
 */
const SWEEP_ABOVE = 10_000;

export class WarmRefusals {
  readonly #untilUs = new Map<string, number>();

  refuse(key: string, nowUs: number, forUs: number): void {
    this.#untilUs.set(key, Math.max(nowUs + forUs, this.#untilUs.get(key) ?? 0));
    if (this.#untilUs.size > SWEEP_ABOVE) this.#sweep(nowUs);
  }

  refused(key: string, nowUs: number): boolean {
    const untilUs = this.#untilUs.get(key);
    if (untilUs === undefined) return false;
    if (untilUs > nowUs) return true;
    this.#untilUs.delete(key);
    return false;
  }

  #sweep(nowUs: number): void {
    for (const [key, untilUs] of this.#untilUs) if (untilUs <= nowUs) this.#untilUs.delete(key);
  }
}
