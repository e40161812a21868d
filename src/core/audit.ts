/**
 * The audit log's entries: who asked for an operator action, which machine it named, and how it ended. Pure: the
 * engine builds entries, storage keeps them, the edges show them. An entry never carries payload bytes, only
 * names, an outcome and a bounded line of text (an error's type and message, or a pause's reason).
 */
import {
  ProcessorFailedError,
  ProcessorResultInvalidError,
  RatchetError,
  RepairFailedError,
} from "./errors.js";

/**
 * ok: the action was done (its step committed, or there was nothing to change); refused: the engine said no
 * before anything ran (a typed precondition or validation error; nothing changed); failed: it ran and did not
 * succeed (the processor refused a repair, a call failed the machine, storage was unreachable, a deadline passed).
 */
export type AuditOutcome = "ok" | "refused" | "failed";

export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ["ok", "refused", "failed"];

/** The engine's audited actions; bulk runs write `bulk_<action>` entries of their own. */
export type AuditAction =
  | "start"
  | "call"
  | "repair"
  | "simple_repair"
  | "remove"
  | "notify"
  | "modernize"
  | "pause"
  | "resume"
  | "retry_now";

/** An entry as it is written. */
export interface AuditDraft {
  readonly atUs: number;
  readonly actor: string;
  /** An AuditAction, or `bulk_…` from a bulk run. */
  readonly action: string;
  readonly namespace: string;
  /** Null for an action on a namespace rather than one machine (a bulk run's start, say). */
  readonly machineId: string | null;
  readonly outcome: AuditOutcome;
  readonly detail: string | null;
}

/**
 * An entry's fields as the JSON API, the CLI's `--json` and the node's log line all name them, its instant written
 * by `at` (each place has its own timestamp form); the stored id, where there is one, is each place's to add.
 */
export function auditEntryFields(entry: AuditDraft, at: (instantUs: number) => string) {
  return {
    at: at(entry.atUs),
    actor: entry.actor,
    action: entry.action,
    namespace: entry.namespace,
    machine_id: entry.machineId,
    outcome: entry.outcome,
    detail: entry.detail,
  };
}

/** An entry as it is stored: ids grow with every entry written, so newest first is highest id first. */
export interface AuditEntry extends AuditDraft {
  readonly id: number;
}

/** A page of the log, newest first: entries below `beforeId` (the last id of the previous page), filtered. */
export interface AuditQuery {
  readonly namespace?: string;
  readonly machineId?: string;
  readonly beforeId?: number;
  readonly limit: number;
}

/** Characters kept of an entry's detail: a line an operator reads, never a dump. */
export const AUDIT_DETAIL_CHARS_MAX = 1000;
/** Characters kept of an actor, a namespace or a machine id (a refused request may name anything). */
export const AUDIT_NAME_CHARS_MAX = 1024;
export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 1000;

/** Text bounded to `max` characters, without U+0000 (which PostgreSQL cannot store in text). */
export function boundedText(text: string, max: number): string {
  const clean = text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text;
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

/** An error as an entry's detail: its type, then its message. */
export function auditDetailOf(error: Error): string {
  return boundedText(`${error.name}: ${error.message}`, AUDIT_DETAIL_CHARS_MAX);
}

/**
 * How an action that threw ended. Refused: a typed final answer given before the processor was reached (the
 * machine's status did not allow it, the request was invalid). Everything else failed: a processor's refusal or
 * fatal answer, and any failure the caller may retry (storage, deadline, lease, overload).
 */
export function auditOutcomeOf(error: unknown, processorReached: boolean): AuditOutcome {
  const refusal =
    error instanceof RatchetError &&
    error.failureClass === "processed" &&
    !(error instanceof RepairFailedError) &&
    !(error instanceof ProcessorFailedError) &&
    !(error instanceof ProcessorResultInvalidError) &&
    !processorReached;
  return refusal ? "refused" : "failed";
}

/** A draft with every text bounded. */
export function auditDraft(draft: AuditDraft): AuditDraft {
  return {
    atUs: draft.atUs,
    actor: boundedText(draft.actor, AUDIT_NAME_CHARS_MAX),
    action: boundedText(draft.action, AUDIT_NAME_CHARS_MAX),
    namespace: boundedText(draft.namespace, AUDIT_NAME_CHARS_MAX),
    machineId: draft.machineId === null ? null : boundedText(draft.machineId, AUDIT_NAME_CHARS_MAX),
    outcome: draft.outcome,
    detail: draft.detail === null ? null : boundedText(draft.detail, AUDIT_DETAIL_CHARS_MAX),
  };
}
