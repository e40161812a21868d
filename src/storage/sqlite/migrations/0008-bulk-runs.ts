/**
 * Bulk operations: `bulk_runs`, one row per run (its action, search, pace, progress and the lease of the node that
 * drives it), and `bulk_outcomes`, one row per machine a run acted on. Runs are operators' records, keyed by their
 * own id rather than by machine: a run spans the machines of a whole namespace.
 */
export const MIGRATION_0008 = `
CREATE TABLE bulk_runs (
  id TEXT NOT NULL PRIMARY KEY,
  namespace TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('simple_repair', 'repair', 'resume', 'retry_now', 'notify')),
  filter TEXT NOT NULL,
  args BLOB,
  rate_per_second REAL NOT NULL CHECK (rate_per_second > 0),
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'cancelled')),
  selected INTEGER NOT NULL,
  cursor_machine_id TEXT,
  in_flight_machine_id TEXT,
  succeeded INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0,
  actor TEXT NOT NULL,
  created_at_us INTEGER NOT NULL,
  updated_at_us INTEGER NOT NULL,
  lease_owner TEXT,
  lease_epoch INTEGER NOT NULL DEFAULT 0,
  lease_expires_at_us INTEGER
);

CREATE INDEX bulk_runs_namespace ON bulk_runs (namespace, created_at_us);
-- Claims look at running runs only; finished runs stay out of the index.
CREATE INDEX bulk_runs_running ON bulk_runs (created_at_us) WHERE status = 'running';

CREATE TABLE bulk_outcomes (
  run_id TEXT NOT NULL,
  machine_id TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'skipped')),
  error_code TEXT,
  detail TEXT,
  at_us INTEGER NOT NULL,
  PRIMARY KEY (run_id, machine_id)
) WITHOUT ROWID;
`;
