/** The audit log: an entry inserted with its step or alone, and pages read newest first, one text per filter. */
import type { AuditQuery } from "../../../core/audit.js";

export const INSERT_AUDIT = `INSERT INTO audit_log (at_us, actor, action, namespace, machine_id, outcome, detail)
  VALUES (@at_us, @actor, @action, @namespace, @machine_id, @outcome, @detail)`;

/** The statement of a query's filters; its parameters are named `before`, `limit`, `namespace`, `machine`. */
export function listAuditText(query: AuditQuery): string {
  const conditions = ["id < @before"];
  if (query.namespace !== undefined) conditions.push("namespace = @namespace");
  if (query.machineId !== undefined) conditions.push("machine_id = @machine");
  return `SELECT * FROM audit_log WHERE ${conditions.join(" AND ")} ORDER BY id DESC LIMIT @limit`;
}
