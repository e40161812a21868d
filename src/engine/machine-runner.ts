/**
 * One machine's runner: a FIFO of work executed one step at a time, so steps of a machine never overlap on
 * this node, and the machine's lease so they never overlap across nodes. The runner owns every decision of a
 * step (which processor, what the outcome means, what to commit, whether to keep the lease and chain the next
 * timer step); the pure transitions come from core.
 */
import assert from "node:assert/strict";
import {
  DeadlineExceededError,
  MachineAlreadyExistsError,
  MachineAlreadyWorkingError,
  MachineFailedError,
  MachineNotFoundError,
  OverloadedError,
} from "../core/errors.js";
import type { HistoryRange } from "../core/history-range.js";
import { FULL_HISTORY, selectEventSpan } from "../core/history-range.js";
import type { Event, MachineRecord, Payload, RequestContext } from "../core/machine.js";
import { dueAtUsOf } from "../core/machine.js";
import type { Notification } from "../core/notification.js";
import type { StimulusKind } from "../core/step.js";
import { failRecord, newMachineRecord, restoreRecord, retryTimerStep } from "../core/step.js";
import { MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import type { ProcessorRequest } from "../processors/processor.js";
import type { Lease, NotificationOutcome, StepCommit } from "../storage/storage.js";
import type { EngineContext } from "./engine-context.js";
import type { StepToCommit } from "./machine-hold.js";
import { MachineHold } from "./machine-hold.js";
import { modernizeEvents } from "./modernize-events.js";
import type { Namespace } from "./namespace.js";
import { processorFor } from "./namespace.js";
import type { ProcessorOutcome } from "./processor-call.js";
import { callProcessor } from "./processor-call.js";
import { notificationRetryOf, settleOutcome } from "./step-verdict.js";
import type { Work } from "./work.js";
import { isRequest } from "./work.js";

export class MachineRunner {
  readonly #hold: MachineHold;
  readonly #queue: Work[] = [];
  #draining = false;
  #chainedSteps = 0;

  constructor(
    private readonly engine: EngineContext,
    readonly namespace: Namespace,
    readonly machineId: string,
    private readonly onIdle: (runner: MachineRunner) => void,
  ) {
    this.#hold = new MachineHold(engine, namespace, machineId, () => this.#dropClaimedWork());
  }

  /** True while the runner has work or holds the machine's lease. */
  get busy(): boolean {
    return this.#draining || this.#queue.length > 0 || this.#hold.lease !== null;
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
  }

  /** A notification for this machine was stored while the runner holds it; claim it after the release. */
  notificationArrived(): void {
    this.#hold.notificationArrived();
  }

  /** Takes over a lease the scheduler claimed, with the record read by the claim. */
  adoptClaim(lease: Lease, record: MachineRecord, work: Work): void {
    this.#hold.adoptClaim(lease, record);
    this.enqueue(work);
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      // Work may arrive while the lease is being released: look at the queue again after each release.
      for (;;) {
        while (this.#queue.length > 0) await this.#execute(this.#queue.shift() as Work);
        if (this.#hold.lease === null) break;
        await this.#hold.release();
        if (this.#queue.length === 0) break;
      }
    } finally {
      this.#draining = false;
      this.onIdle(this);
    }
  }

  async #execute(work: Work): Promise<void> {
    try {
      if (isRequest(work)) {
        if (this.engine.clock.nowUs() >= work.deadlineUs) {
          throw new DeadlineExceededError("the request's deadline passed while it waited for the machine");
        }
        await this.#hold.acquire(work.deadlineUs);
      } else if (this.#hold.lease === null) {
        return; // a claimed lease was lost before its step could run; the scheduler will claim it again
      }
      await this.#dispatch(work);
    } catch (error) {
      if (isRequest(work)) work.reply.reject(error);
      else this.engine.reportError(error, { namespace: this.namespace.name, machineId: this.machineId });
    } finally {
      if (!isRequest(work)) work.done?.();
    }
  }

  async #dispatch(work: Work): Promise<void> {
    switch (work.kind) {
      case "start":
        return work.reply.resolve(await this.#start(work.args, work.deadlineUs, work.context));
      case "call":
        return work.reply.resolve(await this.#call(work.args, work.range, work.deadlineUs, work.context));
      case "repair":
        return work.reply.resolve(await this.#repair(work.args, work.range, work.deadlineUs, work.context));
      case "simpleRepair":
        return work.reply.resolve(await this.#simpleRepair());
      case "remove":
        return work.reply.resolve(await this.#remove());
      case "modernize":
        return work.reply.resolve(await this.#modernize(work.range, work.deadlineUs, work.context));
      case "timeout":
        return this.#timeout();
      case "notification":
        return this.#notification(work.notification);
    }
  }

  async #start(args: Payload, deadlineUs: number, context?: RequestContext): Promise<void> {
    if (this.#hold.record !== null) throw new MachineAlreadyExistsError(this.namespace.name, this.machineId);
    const fresh = newMachineRecord(this.namespace.name, this.machineId, this.engine.clock.nowUs());
    this.#hold.beginMachine();
    const outcome = await this.#invoke(fresh, { kind: "init", args }, FULL_HISTORY, deadlineUs, context);
    const verdict = this.#verdict(fresh, outcome, "init", context);
    // A failed start writes nothing: the id stays free.
    if (verdict.kind === "transient" || verdict.kind === "repair_failed") throw verdict.error;
    if (verdict.kind === "failed")
      throw new MachineFailedError(this.namespace.name, this.machineId, verdict.reason);
    if (verdict.remove) return; // created and removed in one step: nothing remains
    await this.#commit({ kind: "create", record: verdict.record, events: verdict.events });
  }

  async #call(
    args: Payload,
    range: HistoryRange,
    deadlineUs: number,
    context?: RequestContext,
  ): Promise<Payload> {
    const record = this.#requireWorking();
    const outcome = await this.#invoke(record, { kind: "call", args }, range, deadlineUs, context);
    const verdict = this.#verdict(record, outcome, "call", context);
    if (verdict.kind === "transient") throw verdict.error;
    if (verdict.kind !== "applied") {
      const reason = verdict.kind === "failed" ? verdict.reason : verdict.error.message;
      await this.#commitFailure(record, reason);
      throw new MachineFailedError(this.namespace.name, this.machineId, reason);
    }
    await this.#commitApplied(verdict);
    return verdict.response;
  }

  async #repair(
    args: Payload,
    range: HistoryRange,
    deadlineUs: number,
    context?: RequestContext,
  ): Promise<Payload> {
    const record = this.#requireFailed();
    const outcome = await this.#invoke(record, { kind: "repair", args }, range, deadlineUs, context);
    const verdict = this.#verdict(record, outcome, "repair", context);
    if (verdict.kind === "transient" || verdict.kind === "repair_failed") throw verdict.error;
    // A broken repair leaves the machine failed with its original reason; the caller learns why.
    if (verdict.kind === "failed")
      throw new MachineFailedError(this.namespace.name, this.machineId, verdict.reason);
    await this.#commitApplied(verdict);
    return verdict.response;
  }

  async #simpleRepair(): Promise<void> {
    const record = this.#requireFailed();
    await this.#commit({
      kind: "update",
      record: restoreRecord(record, this.engine.clock.nowUs()),
      events: [],
    });
  }

  async #remove(): Promise<void> {
    const record = this.#hold.record;
    if (record === null) throw new MachineNotFoundError(this.namespace.name, this.machineId);
    await this.#commit({ kind: "remove", record, events: [] });
  }

  /**
   * Rewrites outdated event bodies through the modernizer, under the lease so no step runs meanwhile. The record
   * is touched first, in a commit of its own: that invalidates every node's cached history of the machine before
   * any body changes, so no processor is handed an old body afterwards (MG's stash had this hole).
   */
  async #modernize(range: HistoryRange, deadlineUs: number, context?: RequestContext): Promise<number> {
    const record = this.#hold.record;
    const modernizer = this.namespace.modernizer;
    if (record === null) throw new MachineNotFoundError(this.namespace.name, this.machineId);
    assert.ok(modernizer !== undefined, "the engine checks the namespace has a modernizer");
    const history = await this.#hold.historyFor(record, selectEventSpan(range, 1, record.lastEventId));
    const updates = await modernizeEvents(modernizer, history, {
      namespace: this.namespace.name,
      machineId: this.machineId,
      clock: this.engine.clock,
      deadlineUs,
      ...(context === undefined ? {} : { context }),
    });
    if (updates.length === 0) return 0;
    await this.#commit(
      { kind: "update", record: { ...record, updatedAtUs: this.engine.clock.nowUs() }, events: [] },
      { keepLease: true },
    );
    this.#hold.invalidateHistory();
    return this.engine.storage.updateEventContents(this.namespace.name, this.machineId, updates);
  }

  async #timeout(): Promise<void> {
    const record = this.#hold.record;
    const nowUs = this.engine.clock.nowUs();
    const dueAtUs = record === null ? null : dueAtUsOf(record);
    if (record === null || dueAtUs === null || dueAtUs > nowUs) return; // stale: the timer changed meanwhile
    const timer = record.timer;
    assert.ok(timer !== null, "a due machine that is not failed has a timer");
    const deadlineUs = nowUs + this.namespace.timerProcessingTimeoutMs * MICROSECONDS_PER_MILLISECOND;
    const request = { kind: "timeout" as const };
    const outcome = await this.#invoke(
      record,
      request,
      timer.range,
      deadlineUs,
      timer.context,
      timer.processor,
    );
    const verdict = this.#verdict(record, outcome, "timeout", timer.context);
    if (verdict.kind === "transient") {
      const { timerRetryPolicy: policy } = this.namespace;
      const error = verdict.error.message;
      const next = retryTimerStep(record, {
        error,
        nowUs: this.engine.clock.nowUs(),
        policy,
        random: this.engine.random,
      });
      await this.#commit({ kind: "update", record: next, events: [] });
    } else if (verdict.kind === "applied") {
      await this.#commitApplied(verdict);
    } else {
      await this.#commitFailure(record, verdict.kind === "failed" ? verdict.reason : verdict.error.message);
    }
  }

  async #notification(notification: Notification): Promise<void> {
    const record = this.#hold.record;
    if (record === null || record.failure !== null) return; // removed, or failed: it waits for repair
    const nowUs = this.engine.clock.nowUs();
    const deadlineUs = nowUs + this.namespace.notificationProcessingTimeoutMs * MICROSECONDS_PER_MILLISECOND;
    const request = { kind: "notification" as const, args: notification.args };
    const outcome = await this.#invoke(record, request, notification.range, deadlineUs, notification.context);
    const verdict = this.#verdict(record, outcome, "notification", notification.context);
    const settled = (outcome: NotificationOutcome) => ({ id: notification.id, outcome });
    if (verdict.kind === "applied") {
      await this.#commitApplied(verdict, settled({ kind: "delivered" }));
    } else if (verdict.kind !== "transient") {
      // The notification stays stored: it is delivered again after the machine is repaired.
      await this.#commitFailure(record, verdict.kind === "failed" ? verdict.reason : verdict.error.message);
    } else {
      const retry = notificationRetryOf(notification, verdict.error.message, {
        policy: this.namespace.notificationRetryPolicy,
        nowUs: this.engine.clock.nowUs(),
        random: this.engine.random,
      });
      if (retry !== null) {
        await this.#commit({ kind: "update", record, events: [], notification: settled(retry) });
        return;
      }
      const reason = `notification ${notification.id} retries exhausted: ${verdict.error.message}`;
      const reset = {
        kind: "retry",
        dueAtUs: nowUs,
        attempt: 0,
        firstFailedAtUs: nowUs,
        lastError: reason,
      } as const;
      const failed = failRecord(record, reason, this.engine.clock.nowUs());
      await this.#commit({ kind: "update", record: failed, events: [], notification: settled(reset) });
    }
  }

  #requireWorking(): MachineRecord {
    const record = this.#hold.record;
    if (record === null) throw new MachineNotFoundError(this.namespace.name, this.machineId);
    if (record.failure !== null)
      throw new MachineFailedError(this.namespace.name, this.machineId, record.failure.reason);
    return record;
  }

  #requireFailed(): MachineRecord {
    const record = this.#hold.record;
    if (record === null) throw new MachineNotFoundError(this.namespace.name, this.machineId);
    if (record.failure === null) throw new MachineAlreadyWorkingError(this.namespace.name, this.machineId);
    return record;
  }

  /** Builds the machine view, calls the routed processor, and passes the fault points around the call. */
  async #invoke(
    record: MachineRecord,
    request: { kind: StimulusKind; args?: Payload },
    range: HistoryRange,
    deadlineUs: number,
    context?: RequestContext,
    timerRoute?: string,
  ): Promise<ProcessorOutcome> {
    const history = await this.#hold.historyFor(record, selectEventSpan(range, 1, record.lastEventId));
    const machine = {
      namespace: record.namespace,
      id: record.id,
      history,
      historyRange: range,
      auxState: record.auxState,
      timerDueAtUs: record.timer?.dueAtUs ?? null,
    };
    const fault = { namespace: record.namespace, machineId: record.id, stimulus: request.kind };
    await this.engine.faults.reach("beforeProcessorCall", fault);
    const processor = processorFor(this.namespace, request.kind, timerRoute);
    const processorRequest = { ...request, machine } as ProcessorRequest;
    const outcome = await callProcessor(this.engine.clock, processor, processorRequest, {
      deadlineUs,
      ...(context === undefined ? {} : { context }),
    });
    await this.engine.faults.reach("afterProcessorBeforeCommit", fault);
    return outcome;
  }

  #verdict(
    record: MachineRecord,
    outcome: ProcessorOutcome,
    stimulus: StimulusKind,
    context?: RequestContext,
  ) {
    const nowUs = this.engine.clock.nowUs();
    return settleOutcome(this.namespace, record, outcome, {
      stimulus,
      nowUs,
      ...(context === undefined ? {} : { context }),
    });
  }

  async #commitFailure(record: MachineRecord, reason: string): Promise<void> {
    await this.#commit({
      kind: "update",
      record: failRecord(record, reason, this.engine.clock.nowUs()),
      events: [],
    });
  }

  async #commitApplied(
    applied: { record: MachineRecord; events: readonly Event[]; remove: boolean },
    notification?: StepCommit["notification"],
  ): Promise<void> {
    const kind = applied.remove ? "remove" : "update";
    await this.#commit({
      kind,
      record: applied.record,
      events: applied.events,
      ...(notification ? { notification } : {}),
    });
  }

  /**
   * Commits a step. The lease is kept when more work waits here or the new timer is already due: the hot path,
   * where the next step runs at once from the state held in memory, with no round trip through the scheduler.
   */
  async #commit(step: StepToCommit, options: { keepLease?: boolean } = {}): Promise<void> {
    const nowUs = this.engine.clock.nowUs();
    const dueAtUs = step.kind === "remove" ? null : dueAtUsOf(step.record);
    const chain =
      dueAtUs !== null &&
      dueAtUs <= nowUs &&
      this.#chainedSteps < this.engine.chainedStepsMax &&
      !this.engine.closing(); // a closing node leaves the next step to the scheduler of a live one
    const keep = step.kind !== "remove" && (this.#queue.length > 0 || chain || options.keepLease === true);
    await this.#hold.commit(step, keep);
    this.#chainedSteps = chain ? this.#chainedSteps + 1 : 0;
    if (chain) this.#queue.push({ kind: "timeout" });
    else if (dueAtUs !== null) this.engine.timerArmed(dueAtUs);
  }

  /** Claimed work still queued belongs to a lost lease; the scheduler will claim it again. */
  #dropClaimedWork(): void {
    this.#chainedSteps = 0;
    for (let index = this.#queue.length - 1; index >= 0; index -= 1) {
      const work = this.#queue[index] as Work;
      if (isRequest(work)) continue;
      this.#queue.splice(index, 1);
      work.done?.();
    }
  }
}
