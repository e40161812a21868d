/**
 * One committed step judged against the model: which transition it is, whether the model allows it from the
 * machine's committed state (the processor must have seen exactly that state, the client operation must still be
 * allowed to commit, the timer must be due, the notification pending), and the state it must leave.
 */
import type { HistoryRange } from "../../src/core/history-range.js";
import type { StepCommit } from "../../src/storage/machine-store.js";
import type { ClientOp } from "./ledger.js";
import { currentState, openOperations } from "./ledger.js";
import type { ModelMachine } from "./model.js";
import {
  ABSENT,
  applyResult,
  differenceOf,
  failed,
  modelOfRecord,
  restored,
  retryDelayBoundsMs,
  text,
} from "./model.js";
import {
  accept,
  type CommitContext,
  dueProblem,
  instantProblem,
  invocationOf,
  type Judgement,
  latenessProblem,
  none,
  operationOf,
  refuse,
  resultProblem,
  tokenOf,
  viewProblem,
  WHOLE_HISTORY,
} from "./step-evidence.js";

export type { CommitContext, Judgement } from "./step-evidence.js";

export function judgeCommit(context: CommitContext, step: StepCommit): Judgement {
  const state = currentState(context.entry);
  if (step.kind === "create") return judgeCreate(context, state, step);
  if (!state.exists) return refuse(`a ${step.kind} commit of a machine that does not exist`);
  if (step.eventContents !== undefined) return refuse("a modernization commit, which no client asked for");
  if (step.kind === "remove") return judgeRemove(context, state, step);
  if (step.notification !== undefined) return judgeNotification(context, state, step);
  const tokenNow = tokenOf(text(step.record.auxState.data));
  if (tokenNow !== tokenOf(state.aux)) return judgeApplied(context, state, step);
  const { failure, retry } = step.record;
  if (failure !== null && state.failure === null) return judgeFailure(context, state, failure.reason);
  if (failure === null && state.failure !== null) return judgeSimpleRepair(context, state);
  if (retry !== null && state.failure === null) return judgeTimerRetry(context, state, step);
  return refuse("a commit that is no transition of the model");
}

function judgeCreate(context: CommitContext, state: ModelMachine, step: StepCommit): Judgement {
  if (state.exists) return refuse("a create of a machine that exists");
  const inv = invocationOf(context, tokenOf(text(step.record.auxState.data)));
  if (typeof inv === "string") return refuse(inv);
  if (inv.kind !== "init") return refuse(`a create by ${inv.token}, a ${inv.kind} step`);
  const op = operationOf(context, inv, "start");
  if (typeof op === "string") return refuse(op);
  const problem =
    resultProblem(inv) ?? viewProblem(state, inv, WHOLE_HISTORY) ?? instantProblem(context, inv, step);
  if (problem !== null) return refuse(problem);
  const next = applyResult(ABSENT, inv.result!, { kind: "init", nowUs: step.record.updatedAtUs });
  if (!next.exists) return refuse(`a create by ${inv.token}, whose result removes the machine`);
  return accept(`start ${op.id} created by ${inv.token}`, next, inv, () => {
    op.committedToken = inv.token;
  });
}

function judgeApplied(context: CommitContext, state: ModelMachine, step: StepCommit): Judgement {
  const inv = invocationOf(context, tokenOf(text(step.record.auxState.data)));
  if (typeof inv === "string") return refuse(inv);
  let range: HistoryRange;
  let op: ClientOp | null = null;
  if (inv.kind === "call" || inv.kind === "repair") {
    const found = operationOf(context, inv, inv.kind);
    if (typeof found === "string") return refuse(found);
    op = found;
    if ((state.failure === null) !== (inv.kind === "call"))
      return refuse(
        `${inv.kind} ${found.id} applied to a machine that is ${state.failure ? "failed" : "working"}`,
      );
    range = found.range;
  } else if (inv.kind === "timer") {
    const problem = dueProblem(state, inv.startUs) ?? latenessProblem(context, state, inv);
    if (problem !== null) return refuse(`${inv.token}: ${problem}`);
    range = state.timer?.range ?? WHOLE_HISTORY;
  } else {
    return refuse(`a ${inv.kind} result (${inv.token}) committed as a plain update`);
  }
  const problem = resultProblem(inv) ?? viewProblem(state, inv, range) ?? instantProblem(context, inv, step);
  if (problem !== null) return refuse(problem);
  if (inv.result?.remove) return refuse(`${inv.token} removes the machine, yet committed as an update`);
  const next = applyResult(state, inv.result!, { kind: inv.kind, nowUs: step.record.updatedAtUs });
  const label = `${inv.kind} ${inv.token}${op === null ? "" : ` (${op.id})`} applied`;
  return accept(label, next, inv, () => {
    if (op !== null) op.committedToken = inv.token;
  });
}

function judgeRemove(context: CommitContext, state: ModelMachine, step: StepCommit): Judgement {
  const { entry, ops } = context;
  const token = tokenOf(text(step.record.auxState.data));
  const clearNotifications = () => entry.notifications.clear();
  if (token !== tokenOf(state.aux)) {
    const inv = invocationOf(context, token);
    if (typeof inv === "string") return refuse(inv);
    if (inv.kind !== "call") return refuse(`a removal by ${inv.token}, a ${inv.kind} step`);
    const op = operationOf(context, inv, "call");
    if (typeof op === "string") return refuse(op);
    const problem = resultProblem(inv) ?? viewProblem(state, inv, op.range);
    if (problem !== null) return refuse(problem);
    if (state.failure !== null) return refuse(`call ${op.id} removed a failed machine`);
    if (inv.result?.remove !== true) return refuse(`a removal by ${inv.token}, whose result does not remove`);
    return accept(`call ${op.id} removed the machine (${inv.token})`, ABSENT, inv, () => {
      op.committedToken = inv.token;
      clearNotifications();
    });
  }
  const stale = differenceOf(state, modelOfRecord(step.record, state.events));
  if (stale !== null) return refuse(`a remove under a record that is not the committed one: ${stale}`);
  if (openOperations(ops.values(), entry.key, "remove") <= entry.unclaimed.remove)
    return refuse("a remove that no client asked for");
  return accept("removed by a client", ABSENT, null, () => {
    entry.unclaimed.remove += 1;
    clearNotifications();
  });
}

function judgeFailure(context: CommitContext, state: ModelMachine, reason: string): Judgement {
  const exhausted = /^timer retries exhausted after (\d+) failures: /.exec(reason);
  if (exhausted !== null) {
    const problem = dueProblem(state, context.nowUs);
    if (problem !== null) return refuse(`timer retries exhausted: ${problem}`);
    const failures = Number(exhausted[1]);
    if (failures !== (state.retry?.attempt ?? 0) + 1)
      return refuse(
        `timer retries exhausted after ${failures} failures; the model counts ${state.retry?.attempt ?? 0}`,
      );
    if (retryDelayBoundsMs(context.policies.timerRetry, failures) !== null)
      return refuse(`timer retries exhausted after ${failures} failures, but the policy allows another`);
    return accept("failed: timer retries exhausted", failed({ ...state, retry: null }, reason), null, none);
  }
  const inv = invocationOf(context, /\bp\d+\b/.exec(reason)?.[0] ?? null);
  if (typeof inv === "string") return refuse(`the machine failed for a reason no fault explains: ${reason}`);
  if (!["fatal", "invalid", "poison"].includes(inv.outcome))
    return refuse(`${inv.token} ended ${inv.outcome}, yet it failed the machine: ${reason}`);
  let range: HistoryRange;
  let effects = none;
  if (inv.kind === "call") {
    const op = operationOf(context, inv, "call");
    if (typeof op === "string") return refuse(op);
    range = op.range;
    effects = () => {
      op.failedByStep = true;
    };
  } else if (inv.kind === "timer") {
    const problem = dueProblem(state, inv.startUs);
    if (problem !== null) return refuse(`${inv.token}: ${problem}`);
    range = state.timer?.range ?? WHOLE_HISTORY;
  } else if (inv.kind === "notification") {
    const pending = [...context.entry.notifications.values()].find((each) => each.op === inv.op);
    if (pending === undefined)
      return refuse(`${inv.token} failed the machine for a notification not pending`);
    range = pending.range;
  } else {
    return refuse(`a failed ${inv.kind} step (${inv.token}) committed a failure`);
  }
  if (state.failure !== null) return refuse(`${inv.token} failed a machine that was failed already`);
  const problem = viewProblem(state, inv, range);
  if (problem !== null) return refuse(problem);
  return accept(`failed by ${inv.token} (${inv.outcome} ${inv.kind})`, failed(state, reason), inv, effects);
}

function judgeSimpleRepair(context: CommitContext, state: ModelMachine): Judgement {
  const { entry, ops } = context;
  if (openOperations(ops.values(), entry.key, "simpleRepair") <= entry.unclaimed.simpleRepair)
    return refuse("a simple repair that no client asked for");
  return accept("simply repaired", restored(state), null, () => {
    entry.unclaimed.simpleRepair += 1;
  });
}

function judgeTimerRetry(context: CommitContext, state: ModelMachine, step: StepCommit): Judgement {
  const problem = dueProblem(state, context.nowUs);
  if (problem !== null) return refuse(`a timer retry: ${problem}`);
  const retry = step.record.retry!;
  const attempt = (state.retry?.attempt ?? 0) + 1;
  if (retry.attempt !== attempt) return refuse(`timer retry ${retry.attempt}; the model expects ${attempt}`);
  const bounds = retryDelayBoundsMs(context.policies.timerRetry, attempt);
  if (bounds === null) return refuse(`timer retry ${attempt}, which the policy does not allow`);
  const delayUs = retry.dueAtUs - step.record.updatedAtUs;
  if (delayUs < bounds[0] * 1000 || delayUs > bounds[1] * 1000)
    return refuse(`timer retry ${attempt} after ${delayUs} µs, outside the policy's ${bounds.join("..")} ms`);
  return accept(
    `timer retry ${attempt}`,
    { ...state, retry: { attempt, dueAtUs: retry.dueAtUs } },
    null,
    none,
  );
}

function judgeNotification(context: CommitContext, state: ModelMachine, step: StepCommit): Judgement {
  const settled = step.notification!;
  const pending = context.entry.notifications.get(settled.id);
  if (pending === undefined)
    return refuse(`the step settles notification ${settled.id}, which is not pending (delivered already?)`);
  const { outcome } = settled;
  const policy = context.policies.notificationRetry;
  if (outcome.kind === "delivered") {
    const inv = invocationOf(context, tokenOf(text(step.record.auxState.data)));
    if (typeof inv === "string") return refuse(inv);
    if (inv.kind !== "notification" || inv.op !== pending.op)
      return refuse(
        `notification ${settled.id} (${pending.op}) delivered by ${inv.token}, a ${inv.kind} step for ${inv.op}`,
      );
    if (state.failure !== null) return refuse(`notification ${settled.id} delivered to a failed machine`);
    const problem =
      resultProblem(inv) ?? viewProblem(state, inv, pending.range) ?? instantProblem(context, inv, step);
    if (problem !== null) return refuse(problem);
    const next = applyResult(state, inv.result!, { kind: "notification", nowUs: step.record.updatedAtUs });
    return accept(`notification ${settled.id} delivered by ${inv.token}`, next, inv, () => {
      context.entry.notifications.delete(settled.id);
    });
  }
  const reschedule = () => {
    pending.attempt = outcome.attempt;
    pending.dueAtUs = outcome.dueAtUs;
  };
  if (step.record.failure !== null && state.failure === null) {
    const { reason } = step.record.failure;
    if (!reason.startsWith(`notification ${settled.id} retries exhausted`))
      return refuse(`a notification settlement that fails the machine for another reason: ${reason}`);
    if (outcome.attempt !== 0) return refuse(`an exhausted notification kept attempt ${outcome.attempt}`);
    if (retryDelayBoundsMs(policy, pending.attempt + 1) !== null)
      return refuse(
        `notification ${settled.id} exhausted after ${pending.attempt + 1} failures; the policy allows more`,
      );
    return accept(`notification ${settled.id} exhausted`, failed(state, reason), null, reschedule);
  }
  if (state.failure !== null) return refuse(`notification ${settled.id} retried on a failed machine`);
  const attempt = pending.attempt + 1;
  const bounds = retryDelayBoundsMs(policy, attempt);
  if (outcome.attempt !== attempt || bounds === null)
    return refuse(
      `notification ${settled.id} retry ${outcome.attempt}; the model expects ${attempt} (policy allows: ${bounds !== null})`,
    );
  if (outcome.dueAtUs > context.nowUs + bounds[1] * 1000)
    return refuse(`notification ${settled.id} retried later than the policy's ${bounds[1]} ms`);
  return accept(`notification ${settled.id} retry ${attempt}`, state, null, reschedule);
}
