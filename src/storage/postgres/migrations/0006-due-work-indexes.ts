/**
 * Indexes for the gauges that show a stuck node: the namespace's earliest due work (timers and retries) and its
 * oldest notifications, each read by one index lookup at scrape time. Built CONCURRENTLY (the tables are live),
 * like migration 0005's.
 */
import type { ConcurrentIndex } from "./index.js";

/** Nothing transactional: the migration is its indexes. */
export const MIGRATION_0006 = "SELECT 1";

export const MIGRATION_0006_INDEXES: readonly ConcurrentIndex[] = [
  {
    name: "machines_due_by_namespace",
    definition: "machines (namespace, due_at_us) WHERE due_at_us IS NOT NULL",
  },
  { name: "notifications_created", definition: "notifications (namespace, created_at_us)" },
];
