/**
 * The checker: sees every committed step (in the store's order, before its node learns the outcome), every
 * stored notification, every processor call and every client answer, and holds each against the model. The
 * first violation stops the run; the trace then ends where the engine went wrong.
 */

import { RatchetError, StorageResultUnknownError } from "../../src/core/errors.js";
import type { Notification } from "../../src/core/notification.js";
import type { CommitOutcome, StepCommit } from "../../src/storage/machine-store.js";
import type { Storage } from "../../src/storage/storage.js";
import type { Answer } from "./answer-checks.js";
import { judgeAnswer, nameOf } from "./answer-checks.js";
import type { SimulatedClock } from "./clock.js";
import { judgeCommit } from "./commit-checks.js";
import type { Invocation, InvocationLog } from "./invocations.js";
import type { ClientOp, MachineEntry, NamespacePolicies, OperationPlan } from "./ledger.js";
import { currentState, newEntry, openOperations } from "./ledger.js";
import { differenceOf, modelOfRecord, text } from "./model.js";
import type { StoreObserver } from "./observed-store.js";
import { storedDifference } from "./state-checks.js";
import type { Trace } from "./trace.js";

export interface CheckerOptions {
  readonly clock: SimulatedClock;
  readonly trace: Trace;
  readonly log: InvocationLog;
  readonly real: Storage;
  readonly policies: ReadonlyMap<string, NamespacePolicies>;
}

export class Checker implements StoreObserver {
  readonly violations: string[] = [];
  readonly #options: CheckerOptions;
  readonly #machines = new Map<string, MachineEntry>();
  readonly #ops = new Map<string, ClientOp>();
  readonly #unanswered = new Set<ClientOp>();
  readonly #committedTokens = new Set<string>();
  /** Machines changed since the last quiet point: compared with storage there. */
  readonly #dirty = new Set<MachineEntry>();
  #punctualFromUs = Number.POSITIVE_INFINITY;
  /** The last request of each machine committed through each engine: one engine runs them in arrival order. */
  readonly #lastCommitted = new Map<object, Map<string, ClientOp>>();

  constructor(options: CheckerOptions) {
    this.#options = options;
  }

  get failed(): boolean {
    return this.violations.length > 0;
  }

  get machines(): readonly MachineEntry[] {
    return [...this.#machines.values()];
  }

  /** From `instantUs` on no fault delays the scheduler (the quiet phase, once stale leases have expired). */
  expectPunctualTimers(instantUs: number): void {
    this.#punctualFromUs = instantUs;
  }

  fail(violation: string): void {
    this.violations.push(violation);
    this.#options.trace.add(`VIOLATION ${violation}`);
  }

  issue(plan: OperationPlan, engine: object): ClientOp {
    const entry = this.#entry(plan.namespace, plan.machineId);
    const op: ClientOp = {
      ...plan,
      id: `o${this.#ops.size + 1}`,
      sequence: this.#ops.size + 1,
      engine,
      key: entry.key,
      issuedAtUs: this.#options.clock.nowUs(),
      issueVersion: entry.states.length - 1,
      answer: null,
      committedToken: null,
      failedByStep: false,
      mayCommit: true,
      claimed: false,
      notificationId: null,
    };
    this.#ops.set(op.id, op);
    this.#unanswered.add(op);
    const act = plan.act === undefined ? "" : ` ${plan.act}`;
    const learns = plan.learns === undefined ? "" : ` (learns ${plan.learns})`;
    this.#options.trace.add(
      `${op.id} c${plan.client} ${plan.kind}${act} ${entry.key} at ${plan.node}${learns}`,
    );
    this.#options.trace.count(`operation ${plan.kind}`);
    return op;
  }

  answered(op: ClientOp, answer: Answer): void {
    const { clock, trace, log } = this.#options;
    const label = answer.ok ? "ok" : nameOf(answer.error);
    trace.add(`${op.id} answered ${label}`);
    trace.count(`answer ${answer.ok ? "ok" : label}`);
    this.#unanswered.delete(op);
    if (op.answer !== null) {
      this.fail(`${op.id} was answered twice`);
      return;
    }
    if (op.deadlineUs !== null && clock.nowUs() > op.deadlineUs)
      this.fail(`${op.id} ${op.kind} ${op.key} was answered after its deadline`);
    const entry = this.#entry(op.namespace, op.machineId);
    const verdict = judgeAnswer(op, entry, log, answer);
    if ("violation" in verdict) {
      op.answer = "processed";
      this.fail(`${op.id} ${op.kind} ${op.key}: ${verdict.violation}`);
      return;
    }
    op.answer = verdict.answer;
    // Only a deadline that passed leaves the step free to commit later; every other answer ends it.
    op.mayCommit =
      !answer.ok &&
      verdict.answer === "result_unknown" &&
      !(answer.error instanceof StorageResultUnknownError);
    if (op.kind === "simpleRepair" || op.kind === "remove") this.#checkClaims(entry, op);
  }

  async committed(steps: readonly StepCommit[], outcomes: readonly CommitOutcome[]): Promise<void> {
    const touched = new Set<MachineEntry>();
    for (const [index, step] of steps.entries()) {
      const outcome = outcomes[index];
      if (outcome === undefined || !outcome.ok) {
        this.#options.trace.add(`commit of ${step.record.id} refused: ${nameOf(outcome?.error)}`);
        continue;
      }
      const entry = this.#entry(step.record.namespace, step.record.id);
      this.#applyStep(entry, step);
      touched.add(entry);
    }
    for (const entry of touched) {
      const difference = await storedDifference(this.#options.real, entry, { notifications: false });
      if (difference !== null)
        this.fail(`${entry.key} after a commit: storage differs from the model: ${difference}`);
    }
  }

  notificationStored(notification: Notification): void {
    const opId = (JSON.parse(text(notification.args)) as { op: string }).op;
    const op = this.#ops.get(opId);
    const entry = this.#entry(notification.namespace, notification.machineId);
    this.#options.trace.add(`notification ${notification.id} stored for ${entry.key} (${opId})`);
    const problem =
      op === undefined || op.kind !== "notify"
        ? `notification ${notification.id} of no notify`
        : !op.mayCommit
          ? `${op.id} stored a notification after it was answered ${op.answer}`
          : op.notificationId !== null
            ? `${op.id} stored a second notification`
            : !currentState(entry).exists
              ? `${op.id} stored a notification for a missing machine`
              : null;
    if (op === undefined || problem !== null) {
      this.fail(problem ?? "unreachable");
      return;
    }
    op.notificationId = notification.id;
    entry.notifications.set(notification.id, {
      id: notification.id,
      op: opId,
      range: notification.range,
      attempt: notification.attempt,
      dueAtUs: notification.dueAtUs,
    });
    this.#dirty.add(entry);
  }

  overlap(running: Invocation, next: Invocation): void {
    this.fail(
      `two processor calls for ${next.key} overlap: ${running.token} (${running.node} ${running.kind}, ` +
        `since ${running.startUs}) and ${next.token} (${next.node} ${next.kind})`,
    );
  }

  /** An error the engine could hand to no caller: typed ones are expected under faults, others are bugs. */
  engineError(node: string, error: unknown): void {
    if (error instanceof RatchetError) {
      this.#options.trace.count(`engine error ${error.code}`);
      return;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.fail(`${node} reported an error outside the typed classes: ${detail}`);
  }

  /** At each quiet point: every answer due by now was given, and changed machines match storage. */
  async quiet(): Promise<void> {
    const nowUs = this.#options.clock.nowUs();
    for (const op of this.#unanswered) {
      if (op.deadlineUs !== null && nowUs > op.deadlineUs)
        return this.fail(`${op.id} ${op.kind} ${op.key} was not answered by its deadline`);
    }
    for (const entry of this.#dirty) {
      const difference = await storedDifference(this.#options.real, entry, { notifications: true });
      if (difference !== null) return this.fail(`${entry.key} differs from the model: ${difference}`);
    }
    this.#dirty.clear();
  }

  /** After the quiet phase: everything asked was answered, every machine settled, every notification delivered. */
  async settled(): Promise<void> {
    for (const op of this.#unanswered) this.fail(`${op.id} ${op.kind} ${op.key} was never answered`);
    for (const running of this.#options.log.running()) this.fail(`${running.token} never ended`);
    for (const entry of this.#machines.values()) {
      const difference = await storedDifference(this.#options.real, entry, { notifications: true });
      if (difference !== null) this.fail(`${entry.key} at the end differs from the model: ${difference}`);
      const state = currentState(entry);
      const unsettled = [
        state.failure === null ? null : `still failed (${state.failure.reason})`,
        state.timer === null ? null : `timer due at ${state.timer.dueAtUs} never fired`,
        state.retry === null ? null : `timer retry ${state.retry.attempt} never ran`,
        entry.notifications.size === 0 ? null : `${entry.notifications.size} notifications never delivered`,
      ].filter((each) => each !== null);
      if (unsettled.length > 0) this.fail(`${entry.key} did not settle: ${unsettled.join("; ")}`);
    }
  }

  #applyStep(entry: MachineEntry, step: StepCommit): void {
    const { log, trace, clock } = this.#options;
    const state = currentState(entry);
    const policies = this.#options.policies.get(entry.namespace);
    if (policies === undefined) {
      this.fail(`a commit in namespace ${entry.namespace}, which no node serves`);
      return;
    }
    const context = { entry, log, ops: this.#ops, committedTokens: this.#committedTokens, policies };
    const judgement = judgeCommit(
      { ...context, nowUs: clock.nowUs(), punctualFromUs: this.#punctualFromUs },
      step,
    );
    if (!judgement.ok) {
      this.fail(`${entry.key} commit: ${judgement.violation}`);
      return;
    }
    if (step.kind !== "remove") {
      const committed = modelOfRecord(step.record, [...state.events, ...step.events]);
      const difference = differenceOf(judgement.next, committed);
      if (difference !== null)
        this.fail(`${entry.key} commit (${judgement.label}) is not the model's: ${difference}`);
    }
    judgement.effects();
    if (judgement.token !== null) {
      this.#committedTokens.add(judgement.token);
      this.#checkArrivalOrder(entry, judgement.token);
    }
    entry.states.push(judgement.next);
    entry.committedAtUs.push(clock.nowUs());
    this.#dirty.add(entry);
    trace.add(`commit ${entry.key} v${entry.states.length - 1}: ${judgement.label}`);
    trace.count(`commit ${judgement.label.split(" ")[0]}`);
  }

  /** FR-22: requests of one machine sent to one engine run one after another, in the order they arrived. */
  #checkArrivalOrder(entry: MachineEntry, token: string): void {
    const opId = this.#options.log.get(token)?.op;
    const op = opId === null || opId === undefined ? undefined : this.#ops.get(opId);
    if (op === undefined || op.committedToken !== token) return;
    const byMachine = this.#lastCommitted.get(op.engine) ?? new Map<string, ClientOp>();
    this.#lastCommitted.set(op.engine, byMachine);
    const last = byMachine.get(entry.key);
    if (last !== undefined && last.sequence > op.sequence)
      this.fail(`${entry.key}: ${op.id} committed after ${last.id}, which was sent to the same engine later`);
    byMachine.set(entry.key, op);
  }

  /** Every simple repair or remove committed must have an operation that may own it. */
  #checkClaims(entry: MachineEntry, op: ClientOp): void {
    const kind = op.kind as "simpleRepair" | "remove";
    const open = openOperations(this.#ops.values(), entry.key, kind);
    if (entry.unclaimed[kind] > open)
      this.fail(
        `${entry.key}: ${entry.unclaimed[kind]} ${kind} commits, but only ${open} operations may own them`,
      );
  }

  #entry(namespace: string, id: string): MachineEntry {
    const key = `${namespace}/${id}`;
    let entry = this.#machines.get(key);
    if (entry === undefined) {
      entry = newEntry(namespace, id);
      this.#machines.set(key, entry);
    }
    return entry;
  }
}
