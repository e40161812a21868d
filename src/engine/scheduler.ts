/**
 * The scheduler: claims due timers (a timer retry is the timer of a retried step) and notifications of this
 * node's namespaces from storage and hands them to machine runners. It sleeps until the earliest due instant storage reports, and any sooner wake (a local step arming
 * an earlier timer, a notification, another node's commit heard through storage) cuts the sleep short.
 *
 * States: sleeping → claiming (on wake or due time) → sleeping; any → stopped. Claims stop while the node runs
 * `concurrencyMax` scheduled steps; finished steps wake it again.
 */
import assert from "node:assert/strict";
import type { Clock } from "../core/time.js";
import { MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import { wakeWaiters } from "../core/wake-signal.js";
import type { ClaimedMachine, ClaimedNotification, MachineStore } from "../storage/machine-store.js";

const MODES = Object.freeze({ sleeping: "sleeping", claiming: "claiming", stopped: "stopped" });
type Mode = (typeof MODES)[keyof typeof MODES];

export interface SchedulerOptions {
  readonly owner: string;
  /** The namespaces this node serves: it claims their work only (nodes of one database may differ). */
  readonly namespaces: readonly string[];
  readonly leaseDurationMs: number;
  readonly claimBatchMax: number;
  readonly concurrencyMax: number;
  /** Longest sleep without a wake: bounds how late work is found if a wake-up was missed. */
  readonly pollIntervalMs: number;
  /** Runs claimed work under the claimed lease (which lives until `untilUs`); settles when its step is done. */
  readonly runTimer: (claim: ClaimedMachine, untilUs: number) => Promise<void>;
  readonly runNotification: (claim: ClaimedNotification, untilUs: number) => Promise<void>;
  readonly onError: (error: unknown) => void;
}

export class Scheduler {
  #mode: Mode = MODES.sleeping;
  #inFlight = 0;
  #sleepingUntilUs = 0;
  /** The earliest wake asked for while not sleeping; the next sleep ends no later. */
  #wakeAtUs = Number.POSITIVE_INFINITY;
  #wake = new AbortController();
  readonly #stop = new AbortController();
  #loop: Promise<void> | null = null;

  constructor(
    private readonly storage: Pick<MachineStore, "claimDueTimers" | "claimDueNotifications" | "nextDueAtUs">,
    private readonly clock: Clock,
    private readonly options: SchedulerOptions,
  ) {}

  start(): void {
    assert.equal(this.#loop, null, "the scheduler starts once");
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#mode = MODES.stopped;
    this.#stop.abort();
    this.#wake.abort();
    await this.#loop;
  }

  /** Something may be due at `dueAtUs` (now, when absent): claim again if that is before the current sleep ends. */
  wake(dueAtUs?: number): void {
    const atUs = dueAtUs ?? 0;
    if (this.#mode !== MODES.sleeping) {
      this.#wakeAtUs = Math.min(this.#wakeAtUs, atUs);
      return;
    }
    if (atUs < this.#sleepingUntilUs) wakeWaiters(this.#wake);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  async #run(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      this.#mode = MODES.claiming;
      this.#wakeAtUs = Number.POSITIVE_INFINITY;
      let claimedAny = false;
      try {
        claimedAny = await this.#claim();
      } catch (error) {
        this.options.onError(error);
      }
      if (this.#stop.signal.aborted) break;
      if (claimedAny && this.#inFlight < this.options.concurrencyMax) continue; // more may be due: claim again
      await this.#sleep();
    }
    this.#mode = MODES.stopped;
  }

  async #claim(): Promise<boolean> {
    const capacity = this.options.concurrencyMax - this.#inFlight;
    if (capacity <= 0) return false;
    const nowUs = this.clock.nowUs();
    const claim = {
      owner: this.options.owner,
      nowUs,
      untilUs: nowUs + this.options.leaseDurationMs * MICROSECONDS_PER_MILLISECOND,
      limit: Math.min(capacity, this.options.claimBatchMax),
      namespaces: this.options.namespaces,
    };
    const machines = await this.storage.claimDueTimers(claim);
    for (const claimed of machines) this.#track(this.options.runTimer(claimed, claim.untilUs));
    const remaining = capacity - machines.length;
    const notifications =
      remaining > 0
        ? await this.storage.claimDueNotifications({ ...claim, limit: Math.min(remaining, claim.limit) })
        : [];
    for (const claimed of notifications) this.#track(this.options.runNotification(claimed, claim.untilUs));
    return machines.length + notifications.length > 0;
  }

  #track(step: Promise<void>): void {
    this.#inFlight += 1;
    step.catch(this.options.onError).finally(() => {
      this.#inFlight -= 1;
      this.wake();
    });
  }

  async #sleep(): Promise<void> {
    const nowUs = this.clock.nowUs();
    let untilUs = nowUs + this.options.pollIntervalMs * MICROSECONDS_PER_MILLISECOND;
    if (this.#inFlight < this.options.concurrencyMax) {
      const nextDueAtUs = await this.storage.nextDueAtUs(this.options.namespaces).catch((error) => {
        this.options.onError(error);
        return null;
      });
      // Something due but not claimed is leased elsewhere or just raced; look again shortly, not in a spin.
      if (nextDueAtUs !== null)
        untilUs = Math.min(untilUs, Math.max(nextDueAtUs, nowUs + MICROSECONDS_PER_MILLISECOND));
    }
    untilUs = Math.min(untilUs, this.#wakeAtUs);
    this.#wake = new AbortController();
    this.#sleepingUntilUs = untilUs;
    this.#mode = MODES.sleeping;
    await this.clock.waitUntil(untilUs, this.#wake.signal);
  }
}
