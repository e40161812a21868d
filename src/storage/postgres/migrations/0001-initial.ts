/**
 * The first schema: machines, their events, leases, notifications; every table keyed by (namespace, machine
 * id) first so it can be sharded by machine. Runs with search_path set to the configured schema.
 */
export const MIGRATION_0001 = `
-- Ids compare byte-wise (COLLATE "C"): listing pages in the same order as SQLite, whatever the database's locale.
CREATE TABLE machines (
  namespace text COLLATE "C" NOT NULL,
  machine_id text COLLATE "C" NOT NULL,
  status text NOT NULL CHECK (status IN ('idle', 'waiting', 'retrying', 'failed')),
  aux_state bytea NOT NULL,
  aux_format_version integer,
  last_event_id bigint NOT NULL CHECK (last_event_id >= 0),
  timer text,
  timer_due_at_us bigint,
  retry text,
  failure text,
  due_at_us bigint,
  created_at_us bigint NOT NULL,
  updated_at_us bigint NOT NULL,
  PRIMARY KEY (namespace, machine_id)
);

-- Only machines with a timer or a retry are indexed: the claim scans due work, never idle machines.
CREATE INDEX machines_due ON machines (due_at_us) WHERE due_at_us IS NOT NULL;

-- The primary key serves every history read as an index range scan, at 10 events or 100,000.
CREATE TABLE events (
  namespace text COLLATE "C" NOT NULL,
  machine_id text COLLATE "C" NOT NULL,
  event_id bigint NOT NULL CHECK (event_id >= 1),
  created_at_us bigint NOT NULL,
  format_version integer,
  data bytea NOT NULL,
  PRIMARY KEY (namespace, machine_id, event_id)
);

-- One sequence for all leases: epochs keep growing when lease rows are deleted and inserted again.
CREATE SEQUENCE lease_epochs AS bigint;

CREATE TABLE leases (
  namespace text COLLATE "C" NOT NULL,
  machine_id text COLLATE "C" NOT NULL,
  owner text NOT NULL,
  epoch bigint NOT NULL DEFAULT nextval('lease_epochs'),
  expires_at_us bigint NOT NULL,
  PRIMARY KEY (namespace, machine_id)
);

CREATE TABLE notifications (
  namespace text COLLATE "C" NOT NULL,
  notification_id text COLLATE "C" NOT NULL,
  machine_id text COLLATE "C" NOT NULL,
  args bytea NOT NULL,
  range text NOT NULL,
  context text,
  created_at_us bigint NOT NULL,
  due_at_us bigint NOT NULL,
  attempt integer NOT NULL,
  first_failed_at_us bigint,
  last_error text,
  PRIMARY KEY (namespace, notification_id)
);

CREATE INDEX notifications_due ON notifications (due_at_us);
CREATE INDEX notifications_machine ON notifications (namespace, machine_id);
`;
