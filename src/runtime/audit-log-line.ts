/** An audit entry as one log line: JSON, so a newline or a quote in a detail cannot break the line. */
import type { AuditDraft } from "../core/audit.js";
import { instantText } from "../http/api/views.js";

export function auditLogLine(entry: AuditDraft): string {
  return `audit ${JSON.stringify({
    at: instantText(entry.atUs),
    actor: entry.actor,
    action: entry.action,
    namespace: entry.namespace,
    machine_id: entry.machineId,
    outcome: entry.outcome,
    detail: entry.detail,
  })}`;
}
