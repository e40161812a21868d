/**
 * What shows whether due work is being done, read by operators at scrape or page time: timers due soon (a capped
 * range scan of the timer index), the oldest overdue timer or retry (one lookup in the index of due work by
 * namespace, migration 0006) and the oldest pending notification (the capped oldest by creation, same migration).
 */
import type pg from "pg";
import type { QuotedSchemaName } from "../schema-name.js";

export function countTimersDue(
  schema: QuotedSchemaName,
  options: { namespace: string; dueBeforeUs: number; cap: number },
): pg.QueryConfig {
  return {
    name: "ratchet_count_timers_due",
    text: `SELECT count(*)::integer AS due FROM (SELECT 1 FROM ${schema}.machines
      WHERE namespace = $1::text AND timer_due_at_us IS NOT NULL AND timer_due_at_us < $2::bigint
      ORDER BY timer_due_at_us LIMIT $3::bigint) s`,
    values: [options.namespace, options.dueBeforeUs, options.cap],
  };
}

export function oldestOverdueTimer(
  schema: QuotedSchemaName,
  options: { namespace: string; nowUs: number },
): pg.QueryConfig {
  return {
    name: "ratchet_oldest_overdue_timer",
    text: `SELECT min(due_at_us) AS due_at_us FROM ${schema}.machines
      WHERE namespace = $1::text AND due_at_us IS NOT NULL AND due_at_us <= $2::bigint`,
    values: [options.namespace, options.nowUs],
  };
}

export function oldestPendingNotification(
  schema: QuotedSchemaName,
  options: { namespace: string; candidatesMax: number },
): pg.QueryConfig {
  return {
    name: "ratchet_oldest_pending_notification",
    text: `SELECT min(c.created_at_us) AS created_at_us FROM (
        SELECT machine_id, created_at_us FROM ${schema}.notifications WHERE namespace = $1::text
        ORDER BY created_at_us LIMIT $2::bigint) c
      JOIN ${schema}.machines m ON m.namespace = $1::text AND m.machine_id = c.machine_id
      WHERE m.status NOT IN ('failed', 'paused')`,
    values: [options.namespace, options.candidatesMax],
  };
}

/** Reaches the database and reads its schema version in one statement. */
export function readSchemaVersion(schema: QuotedSchemaName): pg.QueryConfig {
  return { text: `SELECT coalesce(max(version), 0)::integer AS version FROM ${schema}.schema_migrations` };
}
