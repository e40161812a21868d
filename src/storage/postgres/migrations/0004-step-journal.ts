/**
 * The step journal and paused machines: a `steps` table keyed by (namespace, machine_id, step_number), the
 * machine's last step number and its pause beside its failure, and `paused` among the statuses. Adding columns
 * with defaults and swapping a CHECK constraint take brief locks only (PostgreSQL 11+ stores a constant default
 * without rewriting the table; the new constraint is added NOT VALID, then validated without blocking writes).
 * Runs with search_path set to the configured schema.
 */
export const MIGRATION_0004 = `
ALTER TABLE machines ADD COLUMN pause text;
ALTER TABLE machines ADD COLUMN last_step_number bigint NOT NULL DEFAULT 0;
ALTER TABLE machines DROP CONSTRAINT machines_status_check;
ALTER TABLE machines ADD CONSTRAINT machines_status_check
  CHECK (status IN ('idle', 'waiting', 'retrying', 'paused', 'failed')) NOT VALID;
ALTER TABLE machines VALIDATE CONSTRAINT machines_status_check;

CREATE TABLE steps (
  namespace text COLLATE "C" NOT NULL,
  machine_id text COLLATE "C" NOT NULL,
  step_number bigint NOT NULL CHECK (step_number >= 1),
  kind text NOT NULL,
  name text NOT NULL,
  processor text,
  attempt integer NOT NULL,
  started_at_us bigint NOT NULL,
  ended_at_us bigint NOT NULL,
  outcome text NOT NULL,
  error_class text,
  error_text text,
  events_appended integer NOT NULL,
  PRIMARY KEY (namespace, machine_id, step_number)
);

-- Pruning by age and the flow's window read the journal by when steps ended.
CREATE INDEX steps_ended ON steps (namespace, ended_at_us);
`;
