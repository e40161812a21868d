/** The first schema: machines, their events, leases, notifications. Tables keyed by (namespace, machine id). */
export const MIGRATION_0001 = `
CREATE TABLE machines (
  namespace TEXT NOT NULL,
  machine_id TEXT NOT NULL,
  status TEXT NOT NULL,
  aux_state BLOB NOT NULL,
  aux_format_version INTEGER,
  last_event_id INTEGER NOT NULL,
  timer TEXT,
  timer_due_at_us INTEGER,
  retry TEXT,
  failure TEXT,
  due_at_us INTEGER,
  created_at_us INTEGER NOT NULL,
  updated_at_us INTEGER NOT NULL,
  PRIMARY KEY (namespace, machine_id)
) WITHOUT ROWID;

CREATE INDEX machines_due ON machines (due_at_us) WHERE due_at_us IS NOT NULL;

CREATE TABLE events (
  namespace TEXT NOT NULL,
  machine_id TEXT NOT NULL,
  event_id INTEGER NOT NULL,
  created_at_us INTEGER NOT NULL,
  format_version INTEGER,
  data BLOB NOT NULL,
  PRIMARY KEY (namespace, machine_id, event_id)
) WITHOUT ROWID;

CREATE TABLE leases (
  namespace TEXT NOT NULL,
  machine_id TEXT NOT NULL,
  owner TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  expires_at_us INTEGER NOT NULL,
  PRIMARY KEY (namespace, machine_id)
) WITHOUT ROWID;

CREATE TABLE lease_epoch (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  value INTEGER NOT NULL
);
INSERT INTO lease_epoch (singleton, value) VALUES (1, 0);

CREATE TABLE notifications (
  namespace TEXT NOT NULL,
  notification_id TEXT NOT NULL,
  machine_id TEXT NOT NULL,
  args BLOB NOT NULL,
  range TEXT NOT NULL,
  context TEXT,
  created_at_us INTEGER NOT NULL,
  due_at_us INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  first_failed_at_us INTEGER,
  last_error TEXT,
  PRIMARY KEY (namespace, notification_id)
) WITHOUT ROWID;

CREATE INDEX notifications_due ON notifications (due_at_us);
CREATE INDEX notifications_machine ON notifications (namespace, machine_id);
`;
