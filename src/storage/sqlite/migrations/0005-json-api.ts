/**
 * What the JSON API reads and writes: indexes for machine search (by status, timer and change time, each within
 * a namespace and paged by id) and the idempotency keys, stored by the step that served their request.
 */
export const MIGRATION_0005 = `
CREATE INDEX machines_status ON machines (namespace, status, machine_id);
CREATE INDEX machines_timer ON machines (namespace, timer_due_at_us) WHERE timer_due_at_us IS NOT NULL;
CREATE INDEX machines_updated ON machines (namespace, updated_at_us);

CREATE TABLE idempotency_keys (
  namespace TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  machine_id TEXT NOT NULL,
  operation TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  outcome TEXT NOT NULL,
  response BLOB,
  created_at_us INTEGER NOT NULL,
  PRIMARY KEY (namespace, idempotency_key)
) WITHOUT ROWID;

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at_us);
`;
