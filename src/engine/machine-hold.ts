/**
 * What this node holds of one machine while it may write it: the lease, the committed record and, when known,
 * the complete history. It commits steps through the group committer and keeps all three equal to what storage
 * holds; a lost lease or a commit whose outcome is unknown forgets everything, so the next step reloads.
 */
import { DeadlineExceededError, LeaseLostError } from "../core/errors.js";
import type { EventSpan } from "../core/history-range.js";
import type { Event, MachineRecord } from "../core/machine.js";
import { machineKey } from "../core/machine.js";
import { MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import type { Lease, StepCommit } from "../storage/storage.js";
import type { EngineContext } from "./engine-context.js";
import { sliceHistory } from "./history-cache.js";
import type { LeaseHolder } from "./lease-keeper.js";
import type { Namespace } from "./namespace.js";
import { outboxEntriesOf } from "./outbox-drafts.js";

export type StepToCommit = Pick<StepCommit, "kind" | "record" | "events" | "notification">;

export class MachineHold implements LeaseHolder {
  #lease: Lease | null = null;
  #record: MachineRecord | null = null;
  /** The complete history as of `#record`, when known; kept in the engine's cache between leases. */
  #history: Event[] | null = null;
  /** A notification arrived while this node held the machine: the scheduler should look once it is free. */
  #notificationWaits = false;
  readonly #key: string;

  constructor(
    private readonly engine: EngineContext,
    private readonly namespace: Namespace,
    private readonly machineId: string,
    /** Called whenever the hold forgets everything (the runner drops the claimed work it queued). */
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

  heldLease(): Lease | null {
    return this.#lease;
  }

  leaseLost(lease: Lease): void {
    if (this.#lease?.epoch === lease.epoch) this.forget();
  }

  /** Takes over a lease the scheduler claimed, with the record the claim read, unless a newer one is held. */
  adoptClaim(lease: Lease, record: MachineRecord): void {
    if (this.#lease !== null && this.#lease.epoch >= lease.epoch) return;
    this.#lease = lease;
    this.#adopt(record);
    this.engine.leaseKeeper.track(this);
  }

  /** A start is about to create the machine: its history is known, and empty. */
  beginMachine(): void {
    this.#history = [];
  }

  notificationArrived(): void {
    if (this.#lease !== null) this.#notificationWaits = true;
  }

  /** Takes the lease, waiting (until the deadline) while another node holds it. */
  async acquire(deadlineUs: number): Promise<void> {
    let backoffMs = 2;
    while (this.#lease === null) {
      const nowUs = this.engine.clock.nowUs();
      const result = await this.engine.storage.acquireLease({
        namespace: this.namespace.name,
        machineId: this.machineId,
        owner: this.engine.owner,
        nowUs,
        untilUs: nowUs + this.engine.leaseDurationMs * MICROSECONDS_PER_MILLISECOND,
      });
      if (result.acquired) {
        this.#lease = result.lease;
        this.#adopt(result.record);
        this.engine.leaseKeeper.track(this);
        return;
      }
      // Another node runs this machine: wait for its lease to end, its release or our deadline.
      if (nowUs >= deadlineUs) throw new DeadlineExceededError("the machine stayed busy on another node");
      const waitUntilUs = Math.min(
        result.heldUntilUs,
        deadlineUs,
        nowUs + backoffMs * MICROSECONDS_PER_MILLISECOND,
      );
      await this.engine.waitForWake(waitUntilUs);
      backoffMs = Math.min(backoffMs * 2, 100);
    }
  }

  async release(): Promise<void> {
    const lease = this.#lease;
    this.#dropLease();
    if (lease !== null) {
      await this.engine.storage.releaseLease(lease).catch((error) => this.engine.reportError(error, lease));
    }
  }

  /** Commits a step with its outbox records; keeps the lease when `keep`, else releases it in the commit. */
  async commit(step: StepToCommit, keep: boolean): Promise<void> {
    const lease = this.#lease;
    if (lease === null) throw new LeaseLostError(this.namespace.name, this.machineId);
    const nowUs = this.engine.clock.nowUs();
    const leaseUntilUs = keep ? nowUs + this.engine.leaseDurationMs * MICROSECONDS_PER_MILLISECOND : null;
    const outbox = outboxEntriesOf(this.namespace, step, this.#record, nowUs);
    let outcome: Awaited<ReturnType<EngineContext["committer"]["commit"]>>;
    try {
      outcome = await this.engine.committer.commit({
        ...step,
        lease,
        leaseUntilUs,
        ...(outbox.length > 0 ? { outbox } : {}),
      });
    } catch (error) {
      this.forget(); // the commit's fate is unknown: reload before the next step
      throw error;
    }
    if (!outcome.ok) {
      this.forget();
      throw outcome.error;
    }
    this.#remember(step.kind === "remove" ? null : step.record, step.events);
    if (!keep) this.#dropLease();
    this.engine.stepCommitted(this.namespace.name, step.kind);
    if (outbox.length > 0) this.engine.outboxWritten(outbox);
  }

  /** The events of a span, from the complete history in memory or from storage (which may fill it). */
  async historyFor(record: MachineRecord, span: EventSpan | null): Promise<Event[]> {
    if (this.#history !== null) return sliceHistory(this.#history, span);
    if (span === null) return [];
    const events = await this.engine.storage.readEvents(record.namespace, record.id, span);
    const isWholeHistory = span.direction === "forward" && span.from === 1 && span.to === record.lastEventId;
    if (isWholeHistory && events.length === record.lastEventId) {
      this.#history = [...events];
      this.engine.historyCache.store(this.#key, record, this.#history);
    }
    return events;
  }

  /** Event bodies are about to change (modernization): no cached history may be served. */
  invalidateHistory(): void {
    this.#history = null;
    this.engine.historyCache.forget(this.#key);
  }

  /** Forgets the lease and everything cached: the next step starts from storage. */
  forget(): void {
    this.#dropLease();
    this.#record = null;
    this.#history = null;
    this.onForget();
  }

  /** Takes the record read with a new lease, and the cached history if it is still that record's. */
  #adopt(record: MachineRecord | null): void {
    this.#record = record;
    this.#history = record === null ? null : this.engine.historyCache.lookup(this.#key, record);
  }

  /** After a commit: the new record, and the history extended by the step's events. */
  #remember(record: MachineRecord | null, events: readonly Event[]): void {
    this.#record = record;
    if (record === null || this.#history === null) {
      this.invalidateHistory();
      return;
    }
    this.#history.push(...events);
    this.engine.historyCache.store(this.#key, record, this.#history);
  }

  #dropLease(): void {
    this.#lease = null;
    this.engine.leaseKeeper.untrack(this);
    if (this.#notificationWaits) {
      this.#notificationWaits = false;
      this.engine.timerArmed(this.engine.clock.nowUs());
    }
  }
}
