/**
 * Audited requests: a request that names an actor gets a ticket, carried with its work to the step that serves
 * it. The step's commit writes the entry in its own transaction (machine-runner.ts); a request that ends without
 * such a commit (refused, failed before a commit, or nothing to change) has its entry written alone here, once it
 * is answered. A request whose caller gave up (its deadline passed) may still commit its step later, which writes
 * an entry of its own beside the failed one.
 */
import type { AuditAction, AuditOutcome } from "../core/audit.js";
import { auditOutcomeOf } from "../core/audit.js";
import { coerceError } from "../core/errors.js";
import type { Clock } from "../core/time.js";
import type { AuditStore } from "../storage/audit-store.js";
import type { AuditTicket } from "./audit-ticket.js";
import { auditEntryOf, auditTicket } from "./audit-ticket.js";
import type { RequestOptions } from "./engine-api.js";
import type { EngineContext } from "./engine-context.js";

export interface AuditWriter {
  readonly storage: Pick<AuditStore, "appendAudit">;
  readonly clock: Clock;
  readonly context: Pick<EngineContext, "audited" | "reportError">;
}

export interface AuditedRequest {
  readonly action: AuditAction;
  readonly namespace: string;
  readonly machineId: string;
  /** What an `ok` entry says (a pause's reason). */
  readonly detail?: string;
}

/** Runs a request, with a ticket for its work when it names an actor, and writes its entry if no commit did. */
export async function runAudited<T>(
  writer: AuditWriter,
  request: AuditedRequest,
  options: RequestOptions,
  run: (audit: { audit?: AuditTicket }) => Promise<T>,
): Promise<T> {
  if (options.actor === undefined) return run({});
  const ticket = auditTicket({ ...request, actor: options.actor });
  let value: T;
  try {
    value = await run({ audit: ticket });
  } catch (error) {
    if (!ticket.written) {
      const outcome = auditOutcomeOf(error, ticket.processorReached);
      await writeAlone(writer, ticket, outcome, coerceError(error));
    }
    throw error;
  }
  if (!ticket.written) await writeAlone(writer, ticket, "ok");
  return value;
}

/** Writes an entry alone. A failure to write it does not change the action's answer: it is reported instead. */
async function writeAlone(
  writer: AuditWriter,
  ticket: AuditTicket,
  outcome: AuditOutcome,
  error?: Error,
): Promise<void> {
  const atUs = writer.clock.nowUs();
  const entry = auditEntryOf(ticket, { outcome, atUs, ...(error === undefined ? {} : { error }) });
  try {
    await writer.storage.appendAudit(entry);
  } catch (failure) {
    writer.context.reportError(failure, { in: "audit log", entry });
  }
  writer.context.audited(entry);
}
