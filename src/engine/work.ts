/** The units of work a machine runner executes one at a time, and how each is answered. */
import type { HistoryRange } from "../core/history-range.js";
import type { IdempotencyRequest } from "../core/idempotency.js";
import type { MachineRecord, Payload, RequestContext } from "../core/machine.js";
import type { Notification } from "../core/notification.js";
import type { AuditTicket } from "./audit-ticket.js";

export interface Reply<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

interface Requested {
  readonly deadlineUs: number;
  readonly context?: RequestContext;
  /** The caller's idempotency key: its stored outcome is the answer, or the step's commit stores it. */
  readonly idempotency?: IdempotencyRequest;
  /** Present when a person or an operator's tool asked: the step's commit writes the audit entry. */
  readonly audit?: AuditTicket;
}

export type Work =
  | (Requested & { readonly kind: "start"; readonly args: Payload; readonly reply: Reply<void> })
  | (Requested & {
      readonly kind: "call" | "repair";
      readonly args: Payload;
      readonly range: HistoryRange;
      readonly reply: Reply<Payload>;
    })
  | (Requested & {
      readonly kind: "simpleRepair" | "remove" | "resume" | "retryNow";
      readonly reply: Reply<void>;
    })
  | (Requested & { readonly kind: "pause"; readonly reason: string; readonly reply: Reply<void> })
  | (Requested & { readonly kind: "modernize"; readonly range: HistoryRange; readonly reply: Reply<number> })
  /** A due timer or timer retry: claimed by the scheduler, or chained by the lease holder. */
  | { readonly kind: "timer"; readonly done?: () => void }
  | { readonly kind: "notification"; readonly notification: Notification; readonly done?: () => void };

export type RequestWork = Extract<Work, { reply: unknown }>;

export function isRequest(work: Work): work is RequestWork {
  return "reply" in work;
}

/** The context a work item runs in: the request's, the one stored with the timer, or the notification's. */
export function contextOfWork(work: Work, record: MachineRecord | null): RequestContext | undefined {
  switch (work.kind) {
    case "timer":
      return record?.timer?.context;
    case "notification":
      return work.notification.context;
    default:
      return work.context;
  }
}
