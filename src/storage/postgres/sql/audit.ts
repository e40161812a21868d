/**
 * The audit log: entries inserted with their steps' commit (the steps passed their fences in that transaction) or
 * alone, and read newest first. Each filter has its own statement, so each is planned for its own index.
 */
import type pg from "pg";
import type { AuditQuery } from "../../../core/audit.js";
import type { AuditRow } from "../../audit-rows.js";
import type { QuotedSchemaName } from "../schema-name.js";

const AUDIT_COLUMNS = "at_us, actor, action, namespace, machine_id, outcome, detail";

/** Inserts rows in the order given, so their ids grow in that order. */
export function insertAudit(schema: QuotedSchemaName, rows: readonly AuditRow[]): pg.QueryConfig {
  const column = <K extends keyof AuditRow>(key: K) => rows.map((row) => row[key]);
  return {
    name: "ratchet_insert_audit",
    text: `INSERT INTO ${schema}.audit_log (${AUDIT_COLUMNS})
      SELECT ${AUDIT_COLUMNS} FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
        WITH ORDINALITY AS r(${AUDIT_COLUMNS}, position)
      ORDER BY position`,
    values: [
      column("at_us"),
      column("actor"),
      column("action"),
      column("namespace"),
      column("machine_id"),
      column("outcome"),
      column("detail"),
    ],
  };
}

/** A page newest first; an absent cursor reads from the newest entry. */
export function listAudit(schema: QuotedSchemaName, query: AuditQuery): pg.QueryConfig {
  const conditions = ["id < $1::bigint"];
  const values: unknown[] = [query.beforeId ?? Number.MAX_SAFE_INTEGER, query.limit];
  if (query.namespace !== undefined) {
    values.push(query.namespace);
    conditions.push(`namespace = $${values.length}::text`);
  }
  if (query.machineId !== undefined) {
    values.push(query.machineId);
    conditions.push(`machine_id = $${values.length}::text`);
  }
  const by = `${query.namespace === undefined ? "" : "_namespace"}${query.machineId === undefined ? "" : "_machine"}`;
  return {
    name: `ratchet_list_audit${by}`,
    text: `SELECT id, ${AUDIT_COLUMNS} FROM ${schema}.audit_log
      WHERE ${conditions.join(" AND ")} ORDER BY id DESC LIMIT $2::integer`,
    values,
  };
}
