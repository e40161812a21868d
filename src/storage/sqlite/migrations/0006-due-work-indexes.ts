/**
 * Indexes for the gauges that show a stuck node: the namespace's earliest due work (timers and retries) and its
 * oldest notifications, each read by one index lookup at scrape time.
 */
export const MIGRATION_0006 = `
CREATE INDEX machines_due_by_namespace ON machines (namespace, due_at_us) WHERE due_at_us IS NOT NULL;
CREATE INDEX notifications_created ON notifications (namespace, created_at_us);
`;
