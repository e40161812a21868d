/**
 * The audit store: the log of operator actions. An action that commits a step writes its entry in that step's
 * commit (`StepCommit.audit`); this port writes the others (an action refused before any step, one that changed
 * nothing, a bulk run's own entries) and reads the log a page at a time, newest first.
 */
import type { AuditDraft, AuditEntry, AuditQuery } from "../core/audit.js";

export interface AuditStore {
  /** Writes one entry in a transaction of its own; its id is above every id written before. */
  appendAudit(entry: AuditDraft): Promise<void>;

  /**
   * Entries newest first (highest id first), below `beforeId` when given, of one namespace and of one machine id
   * when given, at most `limit`. Paging by `beforeId` (the last id of the previous page) sees each entry once.
   */
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
}
