/**
 * Parked outbox records: a record its sink rejected for good, moved aside with the reason, keeping its position
 * so a requeue puts it back before the machine's held-back records. Runs with search_path set to the configured
 * schema.
 */
export const MIGRATION_0003 = `
CREATE TABLE outbox_parked (
  position bigint PRIMARY KEY,
  sink text COLLATE "C" NOT NULL,
  namespace text COLLATE "C" NOT NULL,
  machine_id text COLLATE "C" NOT NULL,
  kind text NOT NULL CHECK (kind IN ('event', 'lifecycle')),
  event_id bigint,
  created_at_us bigint NOT NULL,
  format_version integer,
  data bytea,
  change text,
  reason text NOT NULL,
  parked_at_us bigint NOT NULL
);

-- The relay holds back a machine's later records while one of its records is parked for the sink.
CREATE INDEX outbox_parked_machine ON outbox_parked (sink, namespace, machine_id);
`;
