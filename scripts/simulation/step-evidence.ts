/**
 * What a committed step is judged with: the judgement's shape, the processor call a commit names, the client
 * operation that call carried, and whether the processor saw exactly the committed state, answered before the
 * step's instant, and ran when the timer was due and on time.
 */
import type { HistoryRange } from "../../src/core/history-range.js";
import type { StepCommit } from "../../src/storage/machine-store.js";
import type { Invocation, InvocationLog } from "./invocations.js";
import type { ClientOp, MachineEntry, NamespacePolicies, OpKind } from "./ledger.js";
import type { ModelMachine } from "./model.js";
import { dueAtUsOf, eventsDifference, sameRange, sliceEvents } from "./model.js";

export interface CommitContext {
  readonly entry: MachineEntry;
  readonly log: InvocationLog;
  readonly ops: ReadonlyMap<string, ClientOp>;
  readonly committedTokens: ReadonlySet<string>;
  readonly policies: NamespacePolicies;
  readonly nowUs: number;
  /** From this instant on no fault delays the scheduler: a timer step must start on time. */
  readonly punctualFromUs: number;
}

/**
 * How late a timer step may start once it is due and its machine free, with no fault in the way: the node that
 * committed the timer wakes its scheduler for the due instant itself (runs measure 0 ms), well inside the poll
 * interval, which only bounds a missed wake.
 */
export const TIMER_LATENESS_MS_MAX = 20;

export type Judgement =
  | {
      readonly ok: true;
      readonly label: string;
      readonly next: ModelMachine;
      /** The processor call this commit used up, if any: no later commit may use it again. */
      readonly token: string | null;
      /** Changes to the ledger besides the new state, made once the commit is accepted. */
      readonly effects: () => void;
    }
  | { readonly ok: false; readonly violation: string };

export const WHOLE_HISTORY: HistoryRange = { direction: "forward" };
export const refuse = (violation: string): Judgement => ({ ok: false, violation });
export const none = () => {};

export function accept(
  label: string,
  next: ModelMachine,
  inv: Invocation | null,
  effects: () => void,
): Judgement {
  return { ok: true, label, next, token: inv?.token ?? null, effects };
}

/** The call whose token a committed aux state or failure reason names. */
export function invocationOf(context: CommitContext, token: string | null): Invocation | string {
  const inv = token === null ? undefined : context.log.get(token);
  if (inv === undefined) return `the commit names ${token}, a call the processor never made`;
  if (inv.key !== context.entry.key) return `the commit names ${inv.token}, a call for ${inv.key}`;
  if (context.committedTokens.has(inv.token)) return `the step of ${inv.token} committed a second time`;
  return inv;
}

export function operationOf(context: CommitContext, inv: Invocation, kind: OpKind): ClientOp | string {
  const op = inv.op === null ? undefined : context.ops.get(inv.op);
  if (op === undefined || op.kind !== kind)
    return `${inv.token} carries ${inv.op}, which is no ${kind} operation`;
  if (!op.mayCommit) return `${op.id} was answered ${op.answer}, yet its step committed (${inv.token})`;
  if (op.committedToken !== null)
    return `${op.id} committed a second step (${op.committedToken}, ${inv.token})`;
  return op;
}

export function resultProblem(inv: Invocation): string | null {
  if (inv.outcome === "result" && inv.result !== null) return null;
  return `${inv.token} ended ${inv.outcome}, yet its result was committed`;
}

/** Whether the processor saw exactly the committed state the step is applied to. */
export function viewProblem(state: ModelMachine, inv: Invocation, range: HistoryRange): string | null {
  const { view } = inv;
  const stale = `${inv.token} (${inv.node}) was handed a machine that is not the committed one`;
  if (view.aux !== state.aux)
    return `${stale}: aux state ${view.aux || "empty"}, committed ${state.aux || "empty"}`;
  const timerDueAtUs = state.timer?.dueAtUs ?? null;
  if (view.timerDueAtUs !== timerDueAtUs)
    return `${stale}: timer ${view.timerDueAtUs}, committed ${timerDueAtUs}`;
  if (!sameRange(view.historyRange, range))
    return `${stale}: range ${JSON.stringify(view.historyRange)}, asked ${JSON.stringify(range)}`;
  const difference = eventsDifference(sliceEvents(state.events, range), view.history);
  return difference === null ? null : `${stale}: ${difference}`;
}

/** A step is applied at one instant between its processor's answer and its commit: its events bear it. */
export function instantProblem(context: CommitContext, inv: Invocation, step: StepCommit): string | null {
  const stepUs = step.record.updatedAtUs;
  if (stepUs >= inv.endUs && stepUs <= context.nowUs) return null;
  return `${inv.token} answered at ${inv.endUs} and committed at ${context.nowUs}, yet its step is stamped ${stepUs}`;
}

/** A timer step runs within TIMER_LATENESS_MS_MAX of the later of its due instant and its state's commit. */
export function latenessProblem(context: CommitContext, state: ModelMachine, inv: Invocation): string | null {
  const runnableAtUs = Math.max(dueAtUsOf(state) ?? 0, context.entry.committedAtUs.at(-1) ?? 0);
  if (runnableAtUs < context.punctualFromUs) return null;
  const latenessUs = inv.startUs - runnableAtUs;
  if (latenessUs <= TIMER_LATENESS_MS_MAX * 1000) return null;
  return `the timer step started ${latenessUs / 1000} ms after its machine was due and free, with no fault about`;
}

export function dueProblem(state: ModelMachine, atUs: number): string | null {
  const dueAtUs = dueAtUsOf(state);
  if (dueAtUs === null) return "the machine has no timer due";
  return dueAtUs > atUs ? `its timer is due at ${dueAtUs}, after ${atUs}` : null;
}

export function tokenOf(aux: string): string | null {
  if (aux === "") return null;
  return (JSON.parse(aux) as { t?: string }).t ?? null;
}
