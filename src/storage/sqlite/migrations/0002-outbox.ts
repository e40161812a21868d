/** The outbox: records for the sinks, written with the step that produced them, deleted once published. */
export const MIGRATION_0002 = `
CREATE TABLE outbox (
  position INTEGER PRIMARY KEY AUTOINCREMENT,
  sink TEXT NOT NULL,
  namespace TEXT NOT NULL,
  machine_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  event_id INTEGER,
  created_at_us INTEGER NOT NULL,
  format_version INTEGER,
  data BLOB,
  change TEXT
);

CREATE INDEX outbox_sink ON outbox (sink, position);
-- A caller answered only after its step is published asks for its machine's pending records.
CREATE INDEX outbox_machine ON outbox (namespace, machine_id);
`;
