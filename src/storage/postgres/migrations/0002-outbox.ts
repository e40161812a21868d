/**
 * The outbox: records for the sinks, written in the transaction of the step that produced them and deleted
 * once published. A queue keyed by its position (commit order), read per sink. Runs with search_path set to
 * the configured schema.
 */
export const MIGRATION_0002 = `
CREATE TABLE outbox (
  position bigserial PRIMARY KEY,
  sink text COLLATE "C" NOT NULL,
  namespace text COLLATE "C" NOT NULL,
  machine_id text COLLATE "C" NOT NULL,
  kind text NOT NULL CHECK (kind IN ('event', 'lifecycle')),
  event_id bigint,
  created_at_us bigint NOT NULL,
  format_version integer,
  data bytea,
  change text
);

CREATE INDEX outbox_sink ON outbox (sink, position);
-- A caller answered only after its step is published asks for its machine's pending records.
CREATE INDEX outbox_machine ON outbox (namespace, machine_id);
`;
