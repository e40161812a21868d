/** The audit log on SQLite: an entry written alone (in the turn's shared transaction), and pages newest first. */
import type { AuditDraft, AuditEntry, AuditQuery } from "../../core/audit.js";
import { auditFromRow, auditToRow, type StoredAuditRow } from "../audit-rows.js";
import * as audit from "./sql/audit.js";
import type { SqliteDatabase } from "./sqlite-database.js";

export class SqliteAudit {
  constructor(private readonly database: SqliteDatabase) {}

  async appendAudit(entry: AuditDraft): Promise<void> {
    await this.database.write(() => this.database.statement(audit.INSERT_AUDIT).run(auditToRow(entry)));
  }

  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    const rows = this.database.read(() =>
      this.database.statement(audit.listAuditText(query)).all({
        before: query.beforeId ?? Number.MAX_SAFE_INTEGER,
        limit: query.limit,
        ...(query.namespace === undefined ? {} : { namespace: query.namespace }),
        ...(query.machineId === undefined ? {} : { machine: query.machineId }),
      }),
    ) as StoredAuditRow[];
    return rows.map(auditFromRow);
  }
}
