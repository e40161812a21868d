/**
 * The outbox relay of one sink: publishes committed outbox records in commit order and deletes them once the
 * sink has acknowledged them. At-least-once: a relay that dies between publish and delete leaves the records,
 * and the next leader publishes them again (consumers deduplicate by machine and event id; the NATS sink's
 * message ids make JetStream drop such repeats). Never a record that was not committed: the outbox is written
 * in the step's own transaction.
 *
 * One relay per sink leads across all nodes, holding a lease on the sink's name in the same lease table as
 * machines. Its reads, deletes and parks are fenced by that lease's epoch in storage, and it publishes only while
 * its lease has at least a third of its life left (renewing it first when less is left), so a stalled leader
 * cannot publish or delete after another node took over.
 *
 * A record the sink rejects for good is parked (outbox-store.ts): the machine's later records for this sink wait,
 * every other machine keeps flowing. When the sink cannot say which record it rejected, the relay publishes one
 * record at a time until it finds it. A sink that fails a batch (unavailable) has it retried under each record's
 * namespace's `retries.continuation` (relay-retries.ts); the records of a namespace whose bounded policy ran out
 * are parked the same way.
 *
 * States: following (another node leads; wait for its lease to end) → leading (read a batch, publish, delete;
 * sleep when the outbox is empty until a wake or the poll interval) → backing off (the sink failed; the same
 * batch is retried after the policies' pause, which commits do not cut short, renewing the lease meanwhile) →
 * leading; any → stopped.
 */
import { coerceError, LeaseLostError } from "../core/errors.js";
import type { RetryPolicy } from "../core/retry-policy.js";
import type { Clock } from "../core/time.js";
import { MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import { wakeWaiters } from "../core/wake-signal.js";
import type { Lease } from "../storage/machine-store.js";
import type { OutboxStore, StoredOutboxRecord } from "../storage/outbox-store.js";
import type { SinkFailureSeries } from "./relay-retries.js";
import { batchRetryOf, relayBackoffPolicy } from "./relay-retries.js";
import type { Sink } from "./sink.js";
import { SinkRejectedError } from "./sink.js";

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
  /**
   * First and longest pause between retries of a failing sink for records of a namespace without a continuation
   * policy (retried so without end), and between retries after a storage error.
   */
  readonly backoffMsMin: number;
  readonly backoffMsMax: number;
  /** MG's `retries.continuation` by namespace: how its records are retried, and when they are parked instead. */
  readonly continuationPolicies?: ReadonlyMap<string, RetryPolicy>;
  /** Jitter of those policies: a number in [0, 1). */
  readonly random?: () => number;
  readonly onError: (error: Error) => void;
  /** Records were published and deleted (callers waiting for their sinks may look again). */
  readonly onPublished?: () => void;
}

export interface RelayStats {
  mode: Mode;
  published: number;
  batches: number;
  failures: number;
  /** Records this relay parked. */
  parked: number;
  /** Commit-to-acknowledgement delays of the last records published, µs. */
  readonly lagsUs: number[];
}

const LAG_SAMPLES_MAX = 10_000;

export class OutboxRelay {
  readonly stats: RelayStats = {
    mode: MODES.following,
    published: 0,
    batches: 0,
    failures: 0,
    parked: 0,
    lagsUs: [],
  };
  #lease: Lease | null = null;
  #leaseExpiresAtUs = 0;
  /** The next batch, read while the last one was published (#publishBatch). */
  #readAhead: Promise<StoredOutboxRecord[]> | null = null;
  /** Reads beside a round still running, the one in #readAhead and any dropped. */
  readonly #readsBeside = new Set<Promise<void>>();
  /** The sink rejected a record without saying which: publish one at a time until it is found. */
  #oneAtATime = false;
  /** Each namespace's failed tries since the sink last took a batch; emptied by a success. */
  #series: ReadonlyMap<string, SinkFailureSeries> = new Map();
  /** When a failed batch is tried again. */
  #retryAtUs = 0;
  #wake = new AbortController();
  readonly #stop = new AbortController();
  #loop: Promise<void> | null = null;

  constructor(
    private readonly storage: OutboxStore,
    readonly sink: Sink,
    private readonly clock: Clock,
    private readonly options: OutboxRelayOptions,
  ) {}

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Records were committed for this sink: look now rather than at the next poll. */
  wake(): void {
    wakeWaiters(this.#wake);
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#wake.abort();
    await this.#loop;
    await Promise.all(this.#readsBeside); // no read outlives the relay
    this.#dropReadAhead();
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
        const waitMs = (this.#retryAtUs - this.clock.nowUs()) / MICROSECONDS_PER_MILLISECOND;
        if (waitMs > 0) {
          // In slices of a third of the lease, so a long pause keeps the lease renewed through #lead.
          this.stats.mode = MODES.backingOff;
          await this.#pause(Math.min(waitMs, this.options.leaseDurationMs / 3));
          continue;
        }
        const published = await this.#publishBatch();
        backoffMs = 0;
        this.stats.mode = MODES.leading;
        if (!published) await this.#sleep(this.options.pollIntervalMs);
      } catch (error) {
        // A round that failed (its delete, say) leaves its records to be read again first.
        this.#dropReadAhead();
        if (error instanceof LeaseLostError) {
          // Another node took the sink over (this one stalled past its lease): follow it; what this relay had
          // published without deleting is published again by the new leader, and deduplicated downstream.
          this.#lease = null;
          this.#forgetSeries();
          this.stats.mode = MODES.following;
          this.options.onError(error);
          continue;
        }
        this.stats.failures += 1;
        this.stats.mode = MODES.backingOff;
        this.options.onError(coerceError(error));
        backoffMs = Math.min(this.options.backoffMsMax, Math.max(this.options.backoffMsMin, backoffMs * 2));
        await this.#pause(backoffMs);
      }
    }
  }

  /**
   * Holds the sink's lease with at least two thirds of its life left (renewing it, or taking it when free);
   * waits while another node leads. True when this relay leads.
   */
  async #lead(): Promise<boolean> {
    const nowUs = this.clock.nowUs();
    const leaseUs = this.options.leaseDurationMs * MICROSECONDS_PER_MILLISECOND;
    if (this.#lease !== null && nowUs < this.#leaseExpiresAtUs - (2 * leaseUs) / 3) return true;
    if (this.#lease !== null) {
      const lost = await this.storage.renewLeases([this.#lease], nowUs + leaseUs);
      if (lost.length === 0) {
        this.#leaseExpiresAtUs = nowUs + leaseUs;
        return true;
      }
      this.#lease = null;
      this.#dropReadAhead();
    }
    const result = await this.storage.acquireLease({
      namespace: RELAY_LEASE_NAMESPACE,
      machineId: this.sink.name,
      owner: this.options.owner,
      nowUs,
      untilUs: nowUs + leaseUs,
    });
    if (!result.acquired) {
      this.#forgetSeries();
      this.stats.mode = MODES.following;
      await this.#sleep(
        Math.min(this.options.leaseDurationMs, (result.heldUntilUs - nowUs) / MICROSECONDS_PER_MILLISECOND),
      );
      return false;
    }
    this.#lease = result.lease;
    this.#leaseExpiresAtUs = nowUs + leaseUs;
    this.stats.mode = MODES.leading;
    return true;
  }

  /**
   * Publishes the oldest batch and deletes it; false when the outbox was empty. The next batch is read while this
   * one publishes (leaving this one's positions out), so a round costs its publish and its delete, not a read
   * besides. It is published only after this one's delete: a record is never published again after a later
   * record of its machine.
   */
  async #publishBatch(): Promise<boolean> {
    const lease = this.#lease as Lease;
    const batch = this.#readAhead === null ? await this.#read(lease, []) : await this.#takeReadAhead();
    if (batch.length === 0) return false;
    const positions = batch.map((stored) => stored.position);
    this.#readAhead = this.#oneAtATime ? null : this.#readBeside(lease, positions);
    try {
      await this.sink.publish(batch.map((stored) => stored.record));
    } catch (error) {
      this.#dropReadAhead();
      if (error instanceof SinkRejectedError) await this.#park(lease, batch, error);
      else await this.#sinkFailed(lease, batch, coerceError(error));
      return true;
    }
    this.#oneAtATime = false;
    this.#forgetSeries();
    await this.storage.deleteOutbox({ lease, sink: this.sink.name, positions });
    const nowUs = this.clock.nowUs();
    this.stats.published += batch.length;
    this.stats.batches += 1;
    for (const stored of batch) this.stats.lagsUs.push(nowUs - stored.record.createdAtUs);
    if (this.stats.lagsUs.length > LAG_SAMPLES_MAX)
      this.stats.lagsUs.splice(0, this.stats.lagsUs.length - LAG_SAMPLES_MAX);
    this.options.onPublished?.();
    return true;
  }

  /**
   * A read that runs beside the round; its failure is met when the next round takes it, or never. `stop` waits
   * for it, taken or dropped, so no read outlives the relay.
   */
  #readBeside(lease: Lease, skipPositions: readonly number[]): Promise<StoredOutboxRecord[]> {
    const read = this.#read(lease, skipPositions);
    const settled = read.then(
      () => undefined,
      () => undefined,
    );
    this.#readsBeside.add(settled);
    void settled.then(() => this.#readsBeside.delete(settled));
    return read;
  }

  #read(lease: Lease, skipPositions: readonly number[]): Promise<StoredOutboxRecord[]> {
    const limit = this.#oneAtATime ? 1 : this.options.batchRecordsMax;
    return this.storage.readOutbox({ lease, sink: this.sink.name, limit, skipPositions });
  }

  /**
   * The batch read while the last one published. Read before that one was deleted, it may lack records committed
   * meanwhile; they come with the next read. Empty, it says nothing (it may predate the commit that woke this
   * relay): the outbox is read again.
   */
  async #takeReadAhead(): Promise<StoredOutboxRecord[]> {
    const ahead = this.#readAhead as Promise<StoredOutboxRecord[]>;
    this.#readAhead = null;
    const batch = await ahead;
    return batch.length > 0 ? batch : this.#read(this.#lease as Lease, []);
  }

  /** A batch read ahead of a round that failed, or under a lease since lost, is not used. */
  #dropReadAhead(): void {
    this.#readAhead = null;
  }

  /**
   * Parks the record the sink rejected. Earlier records of the batch may have been stored by the sink already;
   * they are published again with the next batch (at-least-once), which keeps them in order.
   */
  async #park(lease: Lease, batch: readonly StoredOutboxRecord[], error: SinkRejectedError): Promise<void> {
    const rejected = batch.length === 1 ? batch[0] : batch.find((stored) => sameRecord(stored, error.record));
    if (rejected === undefined) {
      this.#oneAtATime = true; // the sink did not say which: find it one record at a time
      return;
    }
    await this.storage.parkOutboxRecord({
      lease,
      sink: this.sink.name,
      position: rejected.position,
      reason: error.message,
      nowUs: this.clock.nowUs(),
    });
    this.stats.parked += 1;
    this.options.onError(error);
  }

  /**
   * The sink failed the batch: counts the failure in the series and, by the continuation policies, parks the
   * records of namespaces whose policy ran out and sets when the rest is tried again.
   */
  async #sinkFailed(lease: Lease, batch: readonly StoredOutboxRecord[], error: Error): Promise<void> {
    const nowUs = this.clock.nowUs();
    this.stats.failures += 1;
    this.options.onError(error);
    const { park, delayMs, series } = batchRetryOf({
      batch,
      series: this.#series,
      nowUs,
      error,
      policyOf: (namespace) => this.options.continuationPolicies?.get(namespace) ?? this.#backoffPolicy,
      random: this.options.random ?? Math.random,
    });
    this.#series = series;
    this.#retryAtUs = delayMs === null ? nowUs : nowUs + delayMs * MICROSECONDS_PER_MILLISECOND;
    for (const { stored, reason } of park) {
      await this.storage.parkOutboxRecord({
        lease,
        sink: this.sink.name,
        position: stored.position,
        reason,
        nowUs: this.clock.nowUs(),
      });
    }
    if (park.length > 0) {
      this.stats.parked += park.length;
      const sink = JSON.stringify(this.sink.name);
      this.options.onError(new Error(`sink ${sink} parked ${park.length} records: ${park[0]?.reason}`));
    }
  }

  /** The sink took a batch, or another node leads it: the next failure starts every namespace's series anew. */
  #forgetSeries(): void {
    this.#series = new Map();
    this.#retryAtUs = 0;
  }

  get #backoffPolicy(): RetryPolicy {
    return relayBackoffPolicy(this.options.backoffMsMin, this.options.backoffMsMax);
  }

  /** Waits `ms` whatever is committed meanwhile (a retry's pause is the policy's); only a stop cuts it short. */
  async #pause(ms: number): Promise<void> {
    const untilUs = this.clock.nowUs() + Math.max(0, ms) * MICROSECONDS_PER_MILLISECOND;
    await this.clock.waitUntil(untilUs, this.#stop.signal);
  }

  async #sleep(ms: number): Promise<void> {
    if (this.#wake.signal.aborted) this.#wake = new AbortController();
    const untilUs = this.clock.nowUs() + Math.max(0, ms) * MICROSECONDS_PER_MILLISECOND;
    await this.clock.waitUntil(untilUs, this.#wake.signal);
  }
}

function sameRecord(stored: StoredOutboxRecord, record: SinkRejectedError["record"]): boolean {
  if (record === undefined) return false;
  const candidate = stored.record;
  if (candidate.namespace !== record.namespace || candidate.machineId !== record.machineId) return false;
  if (candidate.kind === "event") return record.kind === "event" && record.eventId === candidate.eventId;
  return record.kind === "lifecycle" && record.sequence === candidate.sequence;
}
