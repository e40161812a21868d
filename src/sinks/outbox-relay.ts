/**
 * The outbox relay of one sink: publishes committed outbox records in commit order and deletes them once the
 * sink has acknowledged them. At-least-once: a relay that dies between publish and delete leaves the records,
 * and the next leader publishes them again (consumers deduplicate by machine and event id; the NATS sink's
 * message ids make JetStream drop such repeats). Never a record that was not committed: the outbox is written
 * in the step's own transaction.
 *
 * One relay per sink leads across all nodes, holding a lease on the sink's name in the same lease table as
 * machines, so a machine's records are never published by two nodes at once out of order.
 *
 * States: following (another node leads; wait for its lease to end) → leading (read a batch, publish, delete;
 * sleep when the outbox is empty until a wake or the poll interval) → backing off (the sink failed; the same
 * batch is retried after a growing pause) → leading; any → stopped.
 */
import { coerceError } from "../core/errors.js";
import type { Clock } from "../core/time.js";
import { MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import type { Lease, Storage, StoredOutboxRecord } from "../storage/storage.js";
import type { Sink } from "./sink.js";

/** The pseudo-namespace of relay leases: sink names are their ids. */
export const RELAY_LEASE_NAMESPACE = "ratchet.outbox-relay";

const MODES = Object.freeze({
  following: "following",
  leading: "leading",
  backingOff: "backing off",
  stopped: "stopped",
});
type Mode = (typeof MODES)[keyof typeof MODES];

export interface OutboxRelayOptions {
  readonly owner: string;
  /** Records published per batch. */
  readonly batchRecordsMax: number;
  readonly leaseDurationMs: number;
  /** Longest sleep of an idle leader without a wake (bounds the lag of records committed on other nodes). */
  readonly pollIntervalMs: number;
  /** Longest pause between retries of a failing sink. */
  readonly backoffMsMax: number;
  readonly onError: (error: Error) => void;
}

export interface RelayStats {
  mode: Mode;
  published: number;
  batches: number;
  failures: number;
  /** Commit-to-acknowledgement delays of the last records published, µs. */
  readonly lagsUs: number[];
}

const LAG_SAMPLES_MAX = 10_000;

export class OutboxRelay {
  readonly stats: RelayStats = { mode: MODES.following, published: 0, batches: 0, failures: 0, lagsUs: [] };
  #lease: Lease | null = null;
  #leaseRenewAtUs = 0;
  #wake = new AbortController();
  readonly #stop = new AbortController();
  #loop: Promise<void> | null = null;

  constructor(
    private readonly storage: Storage,
    readonly sink: Sink,
    private readonly clock: Clock,
    private readonly options: OutboxRelayOptions,
  ) {}

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Records were committed for this sink: look now rather than at the next poll. */
  wake(): void {
    this.#wake.abort();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#wake.abort();
    await this.#loop;
    const lease = this.#lease;
    this.#lease = null;
    if (lease !== null)
      await this.storage.releaseLease(lease).catch((error) => this.options.onError(coerceError(error)));
    this.stats.mode = MODES.stopped;
  }

  async #run(): Promise<void> {
    let backoffMs = 0;
    while (!this.#stop.signal.aborted) {
      try {
        if (!(await this.#lead())) continue;
        const published = await this.#publishBatch();
        backoffMs = 0;
        this.stats.mode = MODES.leading;
        if (!published) await this.#sleep(this.options.pollIntervalMs);
      } catch (error) {
        this.stats.failures += 1;
        this.stats.mode = MODES.backingOff;
        this.options.onError(coerceError(error));
        backoffMs = Math.min(this.options.backoffMsMax, Math.max(50, backoffMs * 2));
        await this.#sleep(backoffMs);
      }
    }
  }

  /** Holds or renews the sink's lease; waits while another node leads. True when this relay leads. */
  async #lead(): Promise<boolean> {
    const nowUs = this.clock.nowUs();
    if (this.#lease !== null && nowUs < this.#leaseRenewAtUs) return true;
    const leaseUs = this.options.leaseDurationMs * MICROSECONDS_PER_MILLISECOND;
    const result = await this.storage.acquireLease({
      namespace: RELAY_LEASE_NAMESPACE,
      machineId: this.sink.name,
      owner: this.options.owner,
      nowUs,
      untilUs: nowUs + leaseUs,
    });
    if (!result.acquired) {
      this.#lease = null;
      this.stats.mode = MODES.following;
      await this.#sleep(
        Math.min(this.options.leaseDurationMs, (result.heldUntilUs - nowUs) / MICROSECONDS_PER_MILLISECOND),
      );
      return false;
    }
    this.#lease = result.lease;
    // Renewed between batches, a third of the way into the lease: a batch that takes longer than the other two
    // thirds (or a frozen process) can overlap the next leader, which publishes duplicates, never gaps.
    this.#leaseRenewAtUs = nowUs + leaseUs / 3;
    this.stats.mode = MODES.leading;
    return true;
  }

  /** Publishes the oldest batch and deletes it; false when the outbox was empty. */
  async #publishBatch(): Promise<boolean> {
    const batch: StoredOutboxRecord[] = await this.storage.readOutbox(
      this.sink.name,
      this.options.batchRecordsMax,
    );
    if (batch.length === 0) return false;
    await this.sink.publish(batch.map((stored) => stored.record));
    await this.storage.deleteOutbox(
      this.sink.name,
      batch.map((stored) => stored.position),
    );
    const nowUs = this.clock.nowUs();
    this.stats.published += batch.length;
    this.stats.batches += 1;
    for (const stored of batch) this.stats.lagsUs.push(nowUs - stored.record.createdAtUs);
    if (this.stats.lagsUs.length > LAG_SAMPLES_MAX)
      this.stats.lagsUs.splice(0, this.stats.lagsUs.length - LAG_SAMPLES_MAX);
    return true;
  }

  async #sleep(ms: number): Promise<void> {
    if (this.#wake.signal.aborted) this.#wake = new AbortController();
    const untilUs = this.clock.nowUs() + Math.max(0, ms) * MICROSECONDS_PER_MILLISECOND;
    await this.clock.waitUntil(untilUs, this.#wake.signal);
  }
}
