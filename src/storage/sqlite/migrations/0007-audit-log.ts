/**
 * The audit log: one row per operator action, written in the transaction of the step it took (or alone, when
 * there was no step). AUTOINCREMENT keeps ids growing even past deleted rows, so newest first is highest id first.
 */
export const MIGRATION_0007 = `
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_us INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  namespace TEXT NOT NULL,
  machine_id TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
  detail TEXT
);

CREATE INDEX audit_log_namespace ON audit_log (namespace, id);
CREATE INDEX audit_log_machine ON audit_log (machine_id, id) WHERE machine_id IS NOT NULL;
`;
