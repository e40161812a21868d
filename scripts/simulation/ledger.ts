/**
 * The checker's ledger: every machine's committed states in the model, one per version (an answer may have seen
 * any state between its request and its answer), its stored notifications, and every client operation with what
 * it was answered and which commits it caused.
 */
import type { HistoryRange } from "../../src/core/history-range.js";
import type { RetryPolicy } from "../../src/core/retry-policy.js";
import type { ModelMachine } from "./model.js";
import { ABSENT } from "./model.js";

export interface ModelNotification {
  readonly id: string;
  /** The notify operation that stored it. */
  readonly op: string;
  readonly range: HistoryRange;
  attempt: number;
  dueAtUs: number;
}

export interface MachineEntry {
  readonly key: string;
  readonly namespace: string;
  readonly id: string;
  /** Committed states by version; the last is the current one. */
  readonly states: ModelMachine[];
  /** When each state was committed. */
  readonly committedAtUs: number[];
  readonly notifications: Map<string, ModelNotification>;
  /** Simple repairs and removes committed that no successful answer has claimed yet. */
  readonly unclaimed: { simpleRepair: number; remove: number };
}

export function currentState(entry: MachineEntry): ModelMachine {
  return entry.states.at(-1) as ModelMachine;
}

export function newEntry(namespace: string, id: string): MachineEntry {
  return {
    key: `${namespace}/${id}`,
    namespace,
    id,
    states: [ABSENT],
    committedAtUs: [0],
    notifications: new Map(),
    unclaimed: { simpleRepair: 0, remove: 0 },
  };
}

export type OpKind = "start" | "call" | "get" | "notify" | "repair" | "simpleRepair" | "remove";

/** What a client is about to ask. */
export interface OperationPlan {
  readonly kind: OpKind;
  readonly client: number;
  readonly node: string;
  readonly namespace: string;
  readonly machineId: string;
  /** call: inc | emit | read | timer | unset | remove; repair: ok | refuse. */
  readonly act?: string;
  readonly range: HistoryRange;
  /** The request's deadline; null for get and notify, which take none. */
  readonly deadlineUs: number | null;
  /** A read a client makes to learn what became of an operation whose result was unknown. */
  readonly learns?: string;
}

/** What an answer says of the operation's step (DESIGN invariant 9), or that it succeeded. */
export type AnswerClass = "ok" | "processed" | "not_processed" | "result_unknown";

export interface ClientOp extends OperationPlan {
  readonly id: string;
  /** Operations are numbered in the order they are sent. */
  readonly sequence: number;
  /** The engine the request went to (a restarted node has a new one). */
  readonly engine: object;
  readonly key: string;
  readonly issuedAtUs: number;
  /** The machine's version when the request was made. */
  readonly issueVersion: number;
  /** How the operation was answered; null until it is. */
  answer: AnswerClass | null;
  /** The processor call whose result this operation committed (start, call, repair). */
  committedToken: string | null;
  /** A commit failed the machine because of this operation's step (a call). */
  failedByStep: boolean;
  /** False once an answer says the operation's step will not commit from now on. */
  mayCommit: boolean;
  /** A simple repair or remove whose success claimed one committed step. */
  claimed: boolean;
  /** The notification this operation stored. */
  notificationId: string | null;
}

/** The retry policies a namespace runs with, as the model must know them. */
export interface NamespacePolicies {
  readonly timerRetry: RetryPolicy;
  readonly notificationRetry: RetryPolicy;
}

/**
 * Simple repairs or removes of a machine that may own a committed step nobody has claimed: unanswered ones, and
 * ones answered "result unknown".
 */
export function openOperations(ops: Iterable<ClientOp>, key: string, kind: OpKind): number {
  let open = 0;
  for (const op of ops) {
    const mayOwn = op.answer === null || op.answer === "result_unknown";
    if (op.key === key && op.kind === kind && mayOwn && !op.claimed) open += 1;
  }
  return open;
}
