/**
 * The audit log: one row per operator action, written in the transaction of the step it took (or alone, when
 * there was no step). A new table, so it is created in the migration's transaction. Its id is drawn from an
 * identity column, so ids grow in the order rows are written; pages are read newest first, by namespace or by
 * machine.
 */
export const MIGRATION_0007 = `
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at_us bigint NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  namespace text COLLATE "C" NOT NULL,
  machine_id text COLLATE "C",
  outcome text NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
  detail text
);

CREATE INDEX audit_log_namespace ON audit_log (namespace, id);
CREATE INDEX audit_log_machine ON audit_log (machine_id, id) WHERE machine_id IS NOT NULL;
`;
