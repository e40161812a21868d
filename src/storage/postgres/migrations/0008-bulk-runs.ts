/**
 * Bulk operations: `bulk_runs`, one row per run (its action, search, pace, progress and the lease of the node that
 * drives it), and `bulk_outcomes`, one row per machine a run acted on. Runs are operators' records, keyed by their
 * own id rather than by machine: a run spans the machines of a whole namespace. Machine ids are COLLATE "C", as in
 * `machines`, so the run's cursor orders as the search it walks. New tables only: no lock on live ones.
 * Runs with search_path set to the configured schema.
 */
export const MIGRATION_0008 = `
CREATE TABLE bulk_runs (
  id text PRIMARY KEY,
  namespace text COLLATE "C" NOT NULL,
  action text NOT NULL CHECK (action IN ('simple_repair', 'repair', 'resume', 'retry_now', 'notify')),
  filter text NOT NULL,
  args bytea,
  rate_per_second double precision NOT NULL CHECK (rate_per_second > 0),
  status text NOT NULL CHECK (status IN ('running', 'done', 'cancelled')),
  selected bigint NOT NULL,
  cursor_machine_id text COLLATE "C",
  in_flight_machine_id text COLLATE "C",
  succeeded bigint NOT NULL DEFAULT 0,
  failed bigint NOT NULL DEFAULT 0,
  skipped bigint NOT NULL DEFAULT 0,
  actor text NOT NULL,
  created_at_us bigint NOT NULL,
  updated_at_us bigint NOT NULL,
  lease_owner text,
  lease_epoch bigint NOT NULL DEFAULT 0,
  lease_expires_at_us bigint
);

CREATE INDEX bulk_runs_namespace ON bulk_runs (namespace, created_at_us);
-- Claims look at running runs only; finished runs stay out of the index.
CREATE INDEX bulk_runs_running ON bulk_runs (created_at_us) WHERE status = 'running';

CREATE TABLE bulk_outcomes (
  run_id text NOT NULL,
  machine_id text COLLATE "C" NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('ok', 'failed', 'skipped')),
  error_code text,
  detail text,
  at_us bigint NOT NULL,
  PRIMARY KEY (run_id, machine_id)
);
`;
