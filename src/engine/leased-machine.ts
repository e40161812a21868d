/**
 * One machine as this node holds it while it may write it: the lease (with its expiry by this node's clock), and
 * the committed record. The complete history lives in the engine's history cache, never here, so memory stays
 * within the cache's bound. A step commits only under the lease it started with; a lost lease, or a commit
 * whose outcome is unknown, forgets everything, so the next step reloads, and aborts the processor call in
 * flight.
 */
import { LeaseLostError, StorageRejectedError, StorageUnavailableError } from "../core/errors.js";
import type { EventSpan } from "../core/history-range.js";
import { LEASE_MARGIN_FRACTION } from "../core/limits.js";
import type { Event, MachineRecord } from "../core/machine.js";
import { machineKey } from "../core/machine.js";
import { nextRetryDelayMs } from "../core/retry-policy.js";
import { MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import type { CommitOutcome, Lease, StepCommit } from "../storage/machine-store.js";
import type { EngineContext } from "./engine-context.js";
import { sliceHistory } from "./history-cache.js";
import type { LeaseHolder } from "./lease-keeper.js";
import type { Namespace } from "./namespace.js";
import { outboxEntriesOfStep } from "./outbox-records.js";

/** The reason a released lease's signal carries: one shared value, as a release ends nearly every step. */
const LEASE_GIVEN_UP = Object.freeze(new Error("the lease was given up"));

export type StepToCommit = Pick<
  StepCommit,
  "kind" | "record" | "events" | "eventContents" | "notification" | "idempotency" | "audit"
>;

/** The lease a step runs under, as the step captured it when it began. */
export interface HeldLease {
  readonly lease: Lease;
  /** Aborted when this lease is lost: the processor call of the step stops. */
  readonly lost: AbortSignal;
}

export class LeasedMachine implements LeaseHolder {
  #lease: Lease | null = null;
  #expiresAtUs = 0;
  #lost = new AbortController();
  #record: MachineRecord | null = null;
  /** A notification arrived while this node held the machine: the scheduler should look once it is free. */
  #notificationWaits = false;
  readonly #key: string;

  constructor(
    private readonly engine: EngineContext,
    private readonly namespace: Namespace,
    private readonly machineId: string,
    /** Called whenever the lease is forgotten (the runner drops the scheduled work it queued under it). */
    private readonly onForget: () => void,
  ) {
    this.#key = machineKey(namespace.name, machineId);
  }

  get lease(): Lease | null {
    return this.#lease;
  }

  /** The committed record as of the lease, or null when the machine does not exist. */
  get record(): MachineRecord | null {
    return this.#record;
  }

  /** The lease held now with its abort signal, or null. */
  held(): HeldLease | null {
    return this.#lease === null ? null : { lease: this.#lease, lost: this.#lost.signal };
  }

  heldLease(): Lease | null {
    return this.#lease;
  }

  leaseRenewed(lease: Lease, untilUs: number): void {
    if (this.#lease?.epoch === lease.epoch) this.#expiresAtUs = Math.max(this.#expiresAtUs, untilUs);
  }

  leaseLost(lease: Lease): void {
    if (this.#lease?.epoch === lease.epoch) this.forget();
  }

  /**
   * The latest instant a processor call under this lease may run to: the lease's expiry less a margin, so that
   * no node can claim the machine while the call may still be running.
   */
  callDeadlineUs(requestedUs: number): number {
    return Math.min(requestedUs, this.#usableUntilUs());
  }

  /** Whether the lease is held but within the margin of its expiry: another node may take the machine soon. */
  expiresSoon(): boolean {
    return this.#lease !== null && this.engine.clock.nowUs() >= this.#usableUntilUs();
  }

  #usableUntilUs(): number {
    const marginUs = this.engine.leaseDurationMs * LEASE_MARGIN_FRACTION * MICROSECONDS_PER_MILLISECOND;
    return this.#expiresAtUs - marginUs;
  }

  /** Takes a lease (acquired or claimed) with the record read under it. */
  adopt(lease: Lease, record: MachineRecord | null, untilUs: number): void {
    this.#lease = lease;
    this.#expiresAtUs = untilUs;
    this.#lost = new AbortController();
    this.#record = record;
    this.engine.leaseKeeper.track(this);
  }

  notificationArrived(): void {
    if (this.#lease !== null) this.#notificationWaits = true;
  }

  /** Gives the lease up: in storage, then here. */
  async release(): Promise<void> {
    const lease = this.#lease;
    this.#dropLease();
    if (lease !== null) await this.#releaseInStorage(lease);
  }

  /**
   * Commits a step under `held`, the lease it started with; keeps the lease when `keep`, else releases it in the
   * same commit. A lease lost meanwhile (or swapped for a newer one) refuses the commit without writing.
   */
  async commit(
    step: StepToCommit,
    options: { held: HeldLease; keep: boolean; retryUntilUs?: number },
  ): Promise<void> {
    const { lease } = options.held;
    if (this.#lease === null || this.#lease.epoch !== lease.epoch) {
      throw new LeaseLostError(this.namespace.name, this.machineId);
    }
    const nowUs = this.engine.clock.nowUs();
    const leaseUntilUs = options.keep
      ? nowUs + this.engine.leaseDurationMs * MICROSECONDS_PER_MILLISECOND
      : null;
    const previous = this.#record;
    const outbox = outboxEntriesOfStep(this.namespace, step, previous, nowUs);
    let outcome: Awaited<ReturnType<EngineContext["committer"]["commit"]>>;
    try {
      outcome = await this.#commitRetrying(
        { ...step, lease, leaseUntilUs, ...(outbox.length > 0 ? { outbox } : {}) },
        options.retryUntilUs ?? Number.POSITIVE_INFINITY,
      );
    } catch (error) {
      // Refused alone, the step wrote nothing and the lease still holds: the step may commit something else.
      if (error instanceof StorageRejectedError) throw error;
      // Otherwise nothing is known of this commit: reload before the next step, and free the machine for the
      // scheduler at once rather than when the lease would expire (a release by epoch is safe whatever the
      // commit did).
      await this.#forgetAndRelease(lease);
      throw error;
    }
    if (!outcome.ok) {
      await this.#forgetAndRelease(lease);
      throw outcome.error;
    }
    this.#remember(previous, step);
    if (leaseUntilUs === null) this.#dropLease();
    else this.#expiresAtUs = leaseUntilUs;
    this.engine.stepCommitted(this.namespace.name, step.kind);
    if (outbox.length > 0) this.engine.outboxWritten(outbox);
  }

  /**
   * MG's `retries.storage`: a commit storage could not take (unreachable, nothing written) is tried again under the
   * namespace's storage policy, with the processor's result kept, for as long as the lease leaves room and before
   * `untilUs` (a request's deadline); the last refusal is thrown when the policy, the lease or the time runs out.
   */
  async #commitRetrying(commit: StepCommit, untilUs: number): Promise<CommitOutcome> {
    const { clock } = this.engine;
    const firstUs = clock.nowUs();
    const marginUs = this.engine.leaseDurationMs * LEASE_MARGIN_FRACTION * MICROSECONDS_PER_MILLISECOND;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.engine.committer.commit(commit);
      } catch (error) {
        if (!(error instanceof StorageUnavailableError)) throw error;
        const nowUs = clock.nowUs();
        const progress = { attempt, elapsedMs: (nowUs - firstUs) / MICROSECONDS_PER_MILLISECOND };
        const delayMs = nextRetryDelayMs(this.namespace.storageRetryPolicy, progress, this.engine.random);
        if (delayMs === null) throw error;
        const retryAtUs = nowUs + delayMs * MICROSECONDS_PER_MILLISECOND;
        const lastUs = Math.min(untilUs, this.#expiresAtUs - marginUs);
        if (retryAtUs >= lastUs || this.#lost.signal.aborted) throw error;
        await clock.waitUntil(retryAtUs, this.#lost.signal);
        if (this.#lost.signal.aborted) throw new LeaseLostError(this.namespace.name, this.machineId);
      }
    }
  }

  /** The events of a span, from the cached complete history or from storage (which may fill the cache). */
  async historyFor(record: MachineRecord, span: EventSpan | null): Promise<Event[]> {
    if (span === null) return [];
    const cached = this.engine.historyCache.lookup(this.#key, record);
    if (cached !== null) return sliceHistory(cached, span);
    const events = await this.engine.storage.readEvents(record.namespace, record.id, span);
    const isWholeHistory = span.direction === "forward" && span.from === 1 && span.to === record.lastEventId;
    if (isWholeHistory && events.length === record.lastEventId) {
      this.engine.historyCache.store(this.#key, record, [...events]);
    }
    return events;
  }

  /** Forgets the lease and the record: the next step starts from storage. */
  forget(): void {
    this.#dropLease();
    this.#record = null;
    this.engine.historyCache.forget(this.#key);
    this.onForget();
  }

  async #forgetAndRelease(lease: Lease): Promise<void> {
    this.forget();
    await this.#releaseInStorage(lease);
  }

  async #releaseInStorage(lease: Lease): Promise<void> {
    await this.engine.storage.releaseLease(lease).catch((error) => this.engine.reportError(error, lease));
  }

  /** After a commit: the new record, and the cached history extended by the step's events. */
  #remember(previous: MachineRecord | null, step: StepToCommit): void {
    const next = step.kind === "remove" ? null : step.record;
    this.#record = next;
    if (next === null || step.eventContents !== undefined) {
      this.engine.historyCache.forget(this.#key);
    } else if (previous === null) {
      this.engine.historyCache.store(this.#key, next, [...step.events]);
    } else {
      this.engine.historyCache.append(this.#key, previous, next, step.events);
    }
  }

  #dropLease(): void {
    if (this.#lease !== null) this.#lost.abort(LEASE_GIVEN_UP);
    this.#lease = null;
    this.engine.leaseKeeper.untrack(this);
    if (this.#notificationWaits) {
      this.#notificationWaits = false;
      this.engine.timerArmed(this.engine.clock.nowUs());
    }
  }
}
