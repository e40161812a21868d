/**
 * What the JSON API reads and writes. The idempotency keys are a new table, created in the migration's
 * transaction. The search indexes are on the live machines table, so they are built CONCURRENTLY, outside any
 * transaction (a plain CREATE INDEX would block every step's write to machines for the whole build): see
 * concurrent-migration.ts for how such a migration is run and run again.
 */
import type { ConcurrentIndex } from "./index.js";

export const MIGRATION_0005 = `
CREATE TABLE IF NOT EXISTS idempotency_keys (
  namespace text COLLATE "C" NOT NULL,
  idempotency_key text COLLATE "C" NOT NULL,
  machine_id text COLLATE "C" NOT NULL,
  operation text NOT NULL CHECK (operation IN ('start', 'call', 'repair', 'notify')),
  request_hash text NOT NULL,
  outcome text NOT NULL,
  response bytea,
  created_at_us bigint NOT NULL,
  PRIMARY KEY (namespace, idempotency_key)
);

-- Pruning deletes the oldest keys first, off the hot path.
CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created_at_us);
`;

/** Search by status pages by id inside one status; by timer and by change time, within the namespace. */
export const MIGRATION_0005_INDEXES: readonly ConcurrentIndex[] = [
  { name: "machines_status", definition: "machines (namespace, status, machine_id)" },
  {
    name: "machines_timer",
    definition: "machines (namespace, timer_due_at_us) WHERE timer_due_at_us IS NOT NULL",
  },
  { name: "machines_updated", definition: "machines (namespace, updated_at_us)" },
];
