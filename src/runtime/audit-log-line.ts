/**
 * An audit entry as one log line: JSON, so a newline or a quote in a detail cannot break the line; the line and
 * paragraph separators JSON leaves as they are are escaped too, for the log readers that break lines at them.
 */
import { type AuditDraft, auditEntryFields } from "../core/audit.js";
import { instantText } from "../http/api/views.js";

export function auditLogLine(entry: AuditDraft): string {
  const json = JSON.stringify(auditEntryFields(entry, instantText));
  return `audit ${json.replace(/[\u2028\u2029]/g, (separator) => `\\u${separator.charCodeAt(0).toString(16)}`)}`;
}
