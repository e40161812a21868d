/** Parked outbox records: rejected for good by their sink, set aside with the reason at their old position. */
export const MIGRATION_0003 = `
CREATE TABLE outbox_parked (
  position INTEGER PRIMARY KEY,
  sink TEXT NOT NULL,
  namespace TEXT NOT NULL,
  machine_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  event_id INTEGER,
  created_at_us INTEGER NOT NULL,
  format_version INTEGER,
  data BLOB,
  change TEXT,
  reason TEXT NOT NULL,
  parked_at_us INTEGER NOT NULL
);

CREATE INDEX outbox_parked_machine ON outbox_parked (sink, namespace, machine_id);
`;
