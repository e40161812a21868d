/** The audit log on PostgreSQL: an entry written alone, and pages newest first. */
import type pg from "pg";
import type { AuditDraft, AuditEntry, AuditQuery } from "../../core/audit.js";
import { auditFromRow, auditToRow, type StoredAuditRow } from "../audit-rows.js";
import { withClient } from "./pool.js";
import type { QuotedSchemaName } from "./schema-name.js";
import * as audit from "./sql/audit.js";

export class PostgresAudit {
  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: QuotedSchemaName,
  ) {}

  async appendAudit(entry: AuditDraft): Promise<void> {
    await withClient(
      this.pool,
      (client) => client.query(audit.insertAudit(this.schema, [auditToRow(entry)])),
      { write: true },
    );
  }

  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    const result = await withClient(this.pool, (client) =>
      client.query<StoredAuditRow>(audit.listAudit(this.schema, query)),
    );
    return result.rows.map(auditFromRow);
  }
}
