/**
 * An audited request's ticket: who asked for which action on which machine, carried with the request's work to
 * the step that serves it. The step's commit writes the entry in its own transaction and marks the ticket
 * written; when no commit wrote it (the action was refused, failed before a commit, or changed nothing),
 * `runAudited` (audited-request.ts) writes it alone once the request is answered.
 */
import type { AuditAction, AuditDraft, AuditOutcome } from "../core/audit.js";
import { auditDetailOf, auditDraft } from "../core/audit.js";
import type { JournalOutcome } from "../core/journal.js";

export interface AuditTicket {
  readonly actor: string;
  readonly action: AuditAction;
  readonly namespace: string;
  readonly machineId: string;
  /** What an entry that ends `ok` says (a pause's reason), or null. */
  readonly detail: string | null;
  /** Set once a committed step has written the entry. */
  written: boolean;
  /** Set when the action reached its processor: a failure after that is `failed`, never `refused`. */
  processorReached: boolean;
}

export function auditTicket(request: {
  actor: string;
  action: AuditAction;
  namespace: string;
  machineId: string;
  detail?: string;
}): AuditTicket {
  const { detail, ...names } = request;
  return { ...names, detail: detail ?? null, written: false, processorReached: false };
}

/** The entry of a ticket's action, ended with `outcome` (an error's type and message say why it did not succeed). */
export function auditEntryOf(
  ticket: AuditTicket,
  ended: { outcome: AuditOutcome; error?: Error; atUs: number },
): AuditDraft {
  return auditDraft({
    atUs: ended.atUs,
    actor: ticket.actor,
    action: ticket.action,
    namespace: ticket.namespace,
    machineId: ticket.machineId,
    outcome: ended.outcome,
    detail: ended.error === undefined ? ticket.detail : auditDetailOf(ended.error),
  });
}

/** The entry a step's commit writes: `failed` when the commit records the machine's failure, else `ok`. */
export function committedAuditEntry(
  ticket: AuditTicket,
  journal: { outcome?: JournalOutcome; error?: Error; atUs: number },
): AuditDraft {
  if (journal.outcome === "fatal_error") {
    return auditEntryOf(ticket, {
      outcome: "failed",
      atUs: journal.atUs,
      ...(journal.error === undefined ? {} : { error: journal.error }),
    });
  }
  return auditEntryOf(ticket, { outcome: "ok", atUs: journal.atUs });
}
