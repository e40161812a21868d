/**
 * The step journal and paused machines: the `steps` table, the machine's last step number and its pause. A step's
 * entry is written to `steps_recent`, kept in insertion order, so a group commit of many machines' steps appends
 * to a page or two instead of one page per machine; entries are moved into `steps`, kept per machine, in large
 * batches off the hot path (sqlite-journal.ts).
 */
export const MIGRATION_0004 = `
ALTER TABLE machines ADD COLUMN pause TEXT;
ALTER TABLE machines ADD COLUMN last_step_number INTEGER NOT NULL DEFAULT 0;

CREATE TABLE steps (
  namespace TEXT NOT NULL,
  machine_id TEXT NOT NULL,
  step_number INTEGER NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  processor TEXT,
  attempt INTEGER NOT NULL,
  started_at_us INTEGER NOT NULL,
  ended_at_us INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  error_class TEXT,
  error_text TEXT,
  events_appended INTEGER NOT NULL,
  PRIMARY KEY (namespace, machine_id, step_number)
) WITHOUT ROWID;

CREATE INDEX steps_ended ON steps (namespace, ended_at_us);

CREATE TABLE steps_recent (
  namespace TEXT NOT NULL,
  machine_id TEXT NOT NULL,
  step_number INTEGER NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  processor TEXT,
  attempt INTEGER NOT NULL,
  started_at_us INTEGER NOT NULL,
  ended_at_us INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  error_class TEXT,
  error_text TEXT,
  events_appended INTEGER NOT NULL
);
`;
