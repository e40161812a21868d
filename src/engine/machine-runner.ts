/**
 * One machine's runner: a FIFO of work executed one step at a time, so steps of a machine never overlap on this
 * node, and the machine's lease, so they never overlap across nodes. The runner owns the queue, the lease (taking
 * it for requests, adopting the scheduler's claims, giving it up when the queue is empty) and the decision to keep
 * the lease and chain the next timer step; each kind of step decides its own outcome in steps/.
 *
 * After a request's step the lease stays warm for leaseWarmMs: a next request to the machine runs without taking
 * the lease again (a round trip and a transaction saved), and a timer falling due meanwhile runs under it. The warm
 * lease is given up when that time has passed, when a notification arrives, when the node closes, or as soon as
 * another node asks for the machine (releaseRequested): a request at another node waits a few milliseconds for it,
 * not the warm time.
 */
import {
  coerceError,
  DeadlineExceededError,
  OverloadedError,
  StorageResultUnknownError,
} from "../core/errors.js";
import type { JournalDraft, JournalEntry } from "../core/journal.js";
import { numberEntries } from "../core/journal.js";
import { ENGINE_DEFAULTS } from "../core/limits.js";
import type { MachineRecord } from "../core/machine.js";
import { dueAtUsOf, machineKey } from "../core/machine.js";
import { alarmAt, MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import type { Lease } from "../storage/machine-store.js";
import type { AuditTicket } from "./audit-ticket.js";
import { committedAuditEntry } from "./audit-ticket.js";
import type { EngineContext } from "./engine-context.js";
import type { StepEndOutcome, StepWatch } from "./engine-observer.js";
import type { HeldLease, StepToCommit } from "./leased-machine.js";
import { LeasedMachine } from "./leased-machine.js";
import type { Namespace } from "./namespace.js";
import { attemptOf, errorClassOf, journalDraftOf, uncommittedOutcomeOf } from "./step-journal.js";
import type { JournaledAttempt, StepCommitOptions, StepRun } from "./step-run.js";
import { runCall, runRepair } from "./steps/call.js";
import { runModernize } from "./steps/modernize.js";
import { runNotification } from "./steps/notification.js";
import { runPause, runRemove, runResume, runRetryNow, runSimpleRepair } from "./steps/operator.js";
import { runStart } from "./steps/start.js";
import { runTimer } from "./steps/timer.js";
import type { Work } from "./work.js";
import { contextOfWork, isRequest } from "./work.js";

/** An observed step: its watch, and how its commit recorded it. */
interface ObservedStep {
  readonly watch: StepWatch;
  outcome: StepEndOutcome;
  errorClass: string | null;
}

/** A lease the scheduler claimed, with the record the claim read and the lease's expiry. */
export interface Claim {
  readonly lease: Lease;
  readonly record: MachineRecord;
  readonly untilUs: number;
}

/**
 * What one step's commits share: the lease it began with, its journal attempt, its request's audit ticket, and its
 * observation (null when the engine has no observer).
 */
interface StepContext {
  /** The step answers a request (its lease may stay warm after it). */
  readonly request: boolean;
  readonly held: HeldLease;
  readonly attempt: JournaledAttempt;
  readonly retryUntilUs: number;
  readonly audit: AuditTicket | undefined;
  readonly observed: ObservedStep | null;
}

export class MachineRunner {
  readonly #machine: LeasedMachine;
  readonly #queue: Work[] = [];
  readonly #key: string;
  /** Claims that arrived while a step still ran here, held until the runner is idle (see runClaimed). */
  readonly #heldClaims: { readonly claim: Claim; readonly work: Work }[] = [];
  #draining = false;
  #chainedSteps = 0;
  /** The last commit kept the lease only to keep it warm. */
  #warm = false;
  /** Ends a warm wait early (work arrived, the lease is wanted or was lost); null when none waits. */
  #warmWake: (() => void) | null = null;

  constructor(
    private readonly engine: EngineContext,
    readonly namespace: Namespace,
    readonly machineId: string,
    private readonly onIdle: (runner: MachineRunner) => void,
  ) {
    this.#machine = new LeasedMachine(engine, namespace, machineId, () => this.#dropScheduledWork());
    this.#key = machineKey(namespace.name, machineId);
  }

  /** True while the runner has work or holds the machine's lease. */
  get busy(): boolean {
    return this.#draining || this.#queue.length > 0 || this.#machine.lease !== null;
  }

  enqueue(work: Work): void {
    if (this.#queue.length >= this.engine.machineQueueLengthMax) {
      const error = new OverloadedError(
        `machine ${this.machineId} has ${this.#queue.length} requests waiting`,
      );
      if (isRequest(work)) work.reply.reject(error);
      else work.done?.();
      return;
    }
    this.#queue.push(work);
    if (!this.#draining) void this.#drain();
    else this.#warmWake?.();
  }

  /** A notification for this machine was stored while the runner holds it; claim it after the release. */
  notificationArrived(): void {
    this.#machine.notificationArrived();
    this.releaseRequested();
  }

  /**
   * The lease is wanted elsewhere (another node, a notification's claim, the node's close): a warm one is given up
   * now, and none is kept warm for a warm time (engine.warmRefusals). Work already queued here runs first.
   */
  releaseRequested(): void {
    const { warmRefusals, clock, leaseWarmMs } = this.engine;
    warmRefusals.refuse(this.#key, clock.nowUs(), leaseWarmMs * MICROSECONDS_PER_MILLISECOND);
    this.endWarmWait();
  }

  /** Ends a warm wait now (the node closes, the lease is gone); the lease goes unless work waits. */
  endWarmWait(): void {
    this.#warmWake?.();
  }

  /** Whether this machine's lease may be kept warm now. */
  #mayKeepWarm(): boolean {
    return (
      this.engine.leaseWarmMs > 0 &&
      !this.engine.closing() &&
      !this.engine.warmRefusals.refused(this.#key, this.engine.clock.nowUs())
    );
  }

  /**
   * Runs scheduled work under a lease the scheduler claimed. A claim can only succeed once this node's own lease
   * has expired in storage; if a step of the machine is still running here, that step must finish (and fail its
   * fence) under the lease it began with. The claim is held meanwhile, so that no scheduler, this node's included,
   * claims the machine again and again while the step runs; once the runner is idle it is given back and the
   * work is claimed anew.
   */
  runClaimed(claim: Claim, work: Work): void {
    if (this.busy) {
      this.#heldClaims.push({ claim, work });
      this.endWarmWait(); // a claim means this node's lease is gone: a warm wait has nothing to wait for
      return;
    }
    this.#machine.adopt(claim.lease, claim.record, claim.untilUs);
    this.enqueue(work);
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      // Work may arrive while the lease is being released: look at the queue again after each release.
      for (;;) {
        while (this.#queue.length > 0) await this.#execute(this.#queue.shift() as Work);
        if (this.#machine.lease === null) break;
        if (await this.#keptWarm()) continue;
        await this.#machine.release();
        if (this.#queue.length === 0) break;
      }
    } finally {
      this.#draining = false;
      this.#giveBackHeldClaims();
      this.onIdle(this);
    }
  }

  /**
   * Holds a warm lease until work arrives (true) or the lease should go (false): the warm time passed, the lease
   * is wanted elsewhere, or the node closes. A timer that falls due meanwhile is work: its step runs here, under
   * the lease, as a chained timer does (a release would make the scheduler claim it a round trip later), unless
   * this node runs no scheduled work.
   */
  async #keptWarm(): Promise<boolean> {
    const warm = this.#warm;
    this.#warm = false;
    if (!warm || !this.#mayKeepWarm()) return false;
    const nowUs = this.engine.clock.nowUs();
    const record = this.#machine.record;
    const dueAtUs = record === null ? null : dueAtUsOf(record);
    const untilUs = Math.min(
      nowUs + this.engine.leaseWarmMs * MICROSECONDS_PER_MILLISECOND,
      dueAtUs ?? Infinity,
    );
    if (untilUs <= nowUs) return false;
    // An alarm and a function, not an AbortController: a warm wait begins after every request's step.
    await new Promise<void>((resolve) => {
      const ended = () => {
        this.#warmWake = null;
        resolve();
      };
      const cancel = alarmAt(this.engine.clock, untilUs, ended);
      this.#warmWake = () => {
        cancel();
        ended();
      };
    });
    if (this.#machine.lease === null || !this.#mayKeepWarm()) return false;
    if (this.#queue.length > 0) return true;
    if (dueAtUs === null || this.engine.clock.nowUs() < dueAtUs || !this.engine.runsScheduledWork)
      return false;
    this.#queue.push({ kind: "timer" });
    return true;
  }

  #giveBackHeldClaims(): void {
    for (const { claim, work } of this.#heldClaims.splice(0)) {
      void this.engine.storage
        .releaseLease(claim.lease)
        .catch((error) => this.engine.reportError(error, claim.lease))
        .finally(() => {
          if (!isRequest(work)) work.done?.();
        });
    }
  }

  async #execute(work: Work): Promise<void> {
    let attempt: JournaledAttempt | undefined;
    let observed: ObservedStep | null = null;
    try {
      let held: HeldLease | null;
      if (isRequest(work)) {
        if (this.engine.clock.nowUs() >= work.deadlineUs) {
          throw new DeadlineExceededError("the request's deadline passed while it waited for the machine");
        }
        held = await this.#acquire(work.deadlineUs);
      } else {
        held = this.#usableLease();
        if (held === null) return; // the lease was lost before this step could run; it is claimed again
      }
      attempt = attemptOf(work, this.#machine.record, this.engine.clock.nowUs());
      if (this.engine.observer !== undefined) observed = this.#observe(work, attempt);
      const request = isRequest(work);
      const retryUntilUs = request ? work.deadlineUs : Number.POSITIVE_INFINITY;
      const audit = request ? work.audit : undefined;
      await this.#dispatch(work, this.#stepRun({ request, held, attempt, retryUntilUs, audit, observed }));
      if (observed !== null) this.#observeEnd(observed, attempt, null);
    } catch (error) {
      if (attempt !== undefined) this.#noteUncommitted(attempt, error);
      if (attempt !== undefined && observed !== null) this.#observeEnd(observed, attempt, error);
      if (isRequest(work) && work.audit !== undefined && attempt?.processor != null) {
        work.audit.processorReached = true;
      }
      if (isRequest(work)) work.reply.reject(error);
      else this.engine.reportError(error, { namespace: this.namespace.name, machineId: this.machineId });
    } finally {
      if (!isRequest(work)) work.done?.();
    }
  }

  /**
   * An attempt that called its processor and committed nothing is recorded with this node's next commit of the
   * machine (never now: the lease may be gone).
   */
  #noteUncommitted(attempt: JournaledAttempt, error: unknown): void {
    if (attempt.committed || attempt.processor === null || !this.namespace.journal.enabled) return;
    const outcome = uncommittedOutcomeOf(error);
    if (outcome === null) return;
    const draft = journalDraftOf(attempt, {
      outcome,
      error: coerceError(error),
      eventsAppended: 0,
      endedAtUs: this.engine.clock.nowUs(),
    });
    this.engine.pendingJournal.note(this.#key, draft);
  }

  /** Tells the observer a step begins (and, for a due timer, how late it fires). */
  #observe(work: Work, attempt: JournaledAttempt): ObservedStep | null {
    const observer = this.engine.observer;
    if (observer === undefined) return null;
    const record = this.#machine.record;
    const base = { namespace: this.namespace.name, machineId: this.machineId };
    if (work.kind === "timer" && record !== null) {
      const dueAtUs = dueAtUsOf(record);
      if (dueAtUs !== null && dueAtUs <= attempt.startedAtUs) {
        observer.timerFired({ ...base, dueAtUs, firedAtUs: attempt.startedAtUs });
      }
    }
    const watch = observer.stepStarted({
      ...base,
      kind: attempt.kind,
      name: attempt.name,
      attempt: attempt.attempt,
      startedAtUs: attempt.startedAtUs,
      context: contextOfWork(work, record),
    });
    return watch === null ? null : { watch, outcome: "skipped", errorClass: null };
  }

  /**
   * The step's end: what its commit recorded, or, without a commit, the journal's outcome of the failure. A step
   * that neither called its processor nor committed (a timer no longer due, a refused request) is `skipped`.
   */
  #observeEnd(observed: ObservedStep, attempt: JournaledAttempt, error: unknown): void {
    let { outcome, errorClass } = observed;
    if (!attempt.committed && error !== null) {
      const coerced = coerceError(error);
      errorClass = errorClassOf(coerced);
      outcome = attempt.processor === null ? "skipped" : (uncommittedOutcomeOf(coerced) ?? "error");
    }
    observed.watch.stepEnded({
      endedAtUs: this.engine.clock.nowUs(),
      outcome,
      processor: attempt.processor,
      errorClass,
    });
  }

  async #dispatch(work: Work, run: StepRun): Promise<void> {
    switch (work.kind) {
      case "start":
        return work.reply.resolve(await runStart(run, work));
      case "call":
        return work.reply.resolve(await runCall(run, work));
      case "repair":
        return work.reply.resolve(await runRepair(run, work));
      case "simpleRepair":
        return work.reply.resolve(await runSimpleRepair(run));
      case "remove":
        return work.reply.resolve(await runRemove(run));
      case "pause":
        return work.reply.resolve(await runPause(run, work.reason));
      case "resume":
        return work.reply.resolve(await runResume(run));
      case "retryNow":
        return work.reply.resolve(await runRetryNow(run));
      case "modernize":
        return work.reply.resolve(await runModernize(run, work));
      case "timer":
        return runTimer(run);
      case "notification":
        return runNotification(run, work.notification);
    }
  }

  /** Takes the lease, waiting (until the deadline) while another node holds it. */
  async #acquire(deadlineUs: number): Promise<HeldLease> {
    let backoffMs: number = ENGINE_DEFAULTS.acquireBackoffMsMin;
    let askedAtUs = Number.NEGATIVE_INFINITY;
    for (;;) {
      const held = this.#usableLease();
      if (held !== null) return held;
      const nowUs = this.engine.clock.nowUs();
      const untilUs = nowUs + this.engine.leaseDurationMs * MICROSECONDS_PER_MILLISECOND;
      const result = await this.engine.storage.acquireLease({
        namespace: this.namespace.name,
        machineId: this.machineId,
        owner: this.engine.owner,
        nowUs,
        untilUs,
      });
      if (result.acquired) {
        this.#machine.adopt(result.lease, result.record, untilUs);
        continue;
      }
      // Another node runs this machine: wait for its lease to end, its release or our deadline. Asked, a node
      // holding the lease warm gives it up at once and keeps it warm no more for a warm time; asked again once
      // that time is over (a request can be missed, and the holder may have taken the lease again since).
      if (nowUs >= deadlineUs) throw new DeadlineExceededError("the machine stayed busy on another node");
      if (nowUs - askedAtUs >= this.engine.leaseWarmMs * MICROSECONDS_PER_MILLISECOND) {
        askedAtUs = nowUs;
        this.engine.requestRelease(this.namespace.name, this.machineId);
      }
      const waitUntilUs = Math.min(
        result.heldUntilUs,
        deadlineUs,
        nowUs + backoffMs * MICROSECONDS_PER_MILLISECOND,
      );
      await this.engine.waitForWake(waitUntilUs);
      backoffMs = Math.min(backoffMs * 2, ENGINE_DEFAULTS.acquireBackoffMsMax);
    }
  }

  /**
   * The lease the next step may run under. One within the margin of its expiry is dropped with the record read
   * under it: another node may take the machine at any moment, so that record can no longer judge a request (a
   * node whose renewals failed while a step stalled answered "not found" for a machine created elsewhere
   * meanwhile). The step then takes the lease anew, which reads the record again.
   */
  #usableLease(): HeldLease | null {
    if (this.#machine.expiresSoon()) this.#machine.forget();
    return this.#machine.held();
  }

  #stepRun(run: StepContext): StepRun {
    return {
      engine: this.engine,
      namespace: this.namespace,
      machine: this.#machine,
      held: run.held,
      attempt: run.attempt,
      watch: run.observed === null ? null : run.observed.watch,
      commit: (step, options = {}) => this.#commit(run, step, options),
    };
  }

  /**
   * Commits a step with its journal entries (those of earlier attempts that committed nothing, then its own). The
   * lease is kept when more work waits here or the new timer is already due: the hot path, where the next step
   * runs at once from the state held in memory, with no round trip through the scheduler.
   */
  async #commit(run: StepContext, step: StepToCommit, options: StepCommitOptions): Promise<void> {
    const { request, held, attempt, retryUntilUs, audit, observed } = run;
    const nowUs = this.engine.clock.nowUs();
    const dueAtUs = step.kind === "remove" ? null : dueAtUsOf(step.record);
    const chain =
      dueAtUs !== null &&
      dueAtUs <= nowUs &&
      this.#chainedSteps < this.engine.chainedStepsMax &&
      !this.engine.closing(); // a closing node leaves the next step to the scheduler of a live one
    const needed = this.#queue.length > 0 || chain || options.keepLease === true;
    const warm = !needed && request && this.#mayKeepWarm();
    const keep = step.kind !== "remove" && (needed || warm);
    const journaled = this.#journaled(attempt, step, options, nowUs);
    observed?.watch.committing(nowUs);
    // An audited action's first commit that succeeds writes its entry; one refused without writing (a result
    // storage would not hold, before the failure committed in its place) leaves it to the next.
    const entry =
      audit === undefined || audit.written
        ? undefined
        : committedAuditEntry(audit, { ...options, atUs: nowUs });
    try {
      const withEntry = entry === undefined ? journaled.step : { ...journaled.step, audit: entry };
      await this.#machine.commit(withEntry, { held, keep, retryUntilUs });
    } catch (error) {
      observed?.watch.committed(this.engine.clock.nowUs(), coerceError(error));
      this.#journalNotWritten(journaled.pending, error);
      throw error;
    }
    attempt.committed = true;
    this.#warm = keep && warm;
    if (observed !== null) this.#observeCommitted(observed, options);
    if (audit !== undefined && entry !== undefined) {
      audit.written = true;
      this.engine.audited(entry);
    }
    this.#chainedSteps = chain ? this.#chainedSteps + 1 : 0;
    if (chain) this.#queue.push({ kind: "timer" });
    else if (dueAtUs !== null) this.engine.timerArmed(dueAtUs);
  }

  #observeCommitted(observed: ObservedStep, options: StepCommitOptions): void {
    observed.outcome = options.outcome ?? "committed";
    observed.errorClass = options.error === undefined ? null : errorClassOf(options.error);
    observed.watch.committed(this.engine.clock.nowUs(), null);
  }

  /** The step with its journal entries numbered after the machine's last, and the record's step number moved on. */
  #journaled(
    attempt: JournaledAttempt,
    step: StepToCommit,
    options: StepCommitOptions,
    nowUs: number,
  ): { step: StepToCommit & { journal?: JournalEntry[] }; pending: JournalDraft[] } {
    if (!this.namespace.journal.enabled) return { step, pending: [] };
    const pending = this.engine.pendingJournal.take(this.#key);
    const own = journalDraftOf(attempt, {
      outcome: options.outcome ?? "committed",
      ...(options.error === undefined ? {} : { error: options.error }),
      eventsAppended: step.events.length,
      endedAtUs: nowUs,
    });
    const previous = this.#machine.record?.stepNumber ?? 0;
    const journal = numberEntries([...pending, own], previous);
    const record = { ...step.record, stepNumber: previous + journal.length };
    return { step: { ...step, record, journal }, pending };
  }

  /**
   * A commit that wrote nothing gives the earlier attempts' entries back (its own attempt is noted when the step
   * ends without a commit); after an unknown outcome nothing is given back: the entries may have been written.
   */
  #journalNotWritten(pending: readonly JournalDraft[], error: unknown): void {
    if (!this.namespace.journal.enabled || error instanceof StorageResultUnknownError) return;
    this.engine.pendingJournal.restore(this.#key, pending);
  }

  /** Scheduled work still queued belongs to a lost lease; the scheduler will claim it again. */
  #dropScheduledWork(): void {
    this.#chainedSteps = 0;
    this.endWarmWait(); // no lease to keep warm any more
    for (let index = this.#queue.length - 1; index >= 0; index -= 1) {
      const work = this.#queue[index] as Work;
      if (isRequest(work)) continue;
      this.#queue.splice(index, 1);
      work.done?.();
    }
  }
}
