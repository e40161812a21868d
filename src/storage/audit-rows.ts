/** The row of an audit log entry, in column names, and its one mapping to and from the core entry. */
import assert from "node:assert/strict";
import type { AuditDraft, AuditEntry, AuditOutcome } from "../core/audit.js";
import { AUDIT_OUTCOMES } from "../core/audit.js";

export interface AuditRow {
  at_us: number;
  actor: string;
  action: string;
  namespace: string;
  machine_id: string | null;
  outcome: string;
  detail: string | null;
}

export interface StoredAuditRow extends AuditRow {
  id: number;
}

export function auditToRow(entry: AuditDraft): AuditRow {
  return {
    at_us: entry.atUs,
    actor: entry.actor,
    action: entry.action,
    namespace: entry.namespace,
    machine_id: entry.machineId,
    outcome: entry.outcome,
    detail: entry.detail,
  };
}

export function auditFromRow(row: StoredAuditRow): AuditEntry {
  assert.ok(Number.isSafeInteger(row.id), `audit_log.id = ${row.id} is not a safe integer`);
  assert.ok(Number.isSafeInteger(row.at_us), `audit_log.at_us = ${row.at_us} is not a safe integer`);
  assert.ok((AUDIT_OUTCOMES as readonly string[]).includes(row.outcome), `audit outcome ${row.outcome}`);
  return {
    id: row.id,
    atUs: row.at_us,
    actor: row.actor,
    action: row.action,
    namespace: row.namespace,
    machineId: row.machine_id,
    outcome: row.outcome as AuditOutcome,
    detail: row.detail,
  };
}
