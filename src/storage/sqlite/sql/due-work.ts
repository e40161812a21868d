/**
 * What shows whether due work is being done: timers due soon (a capped range scan of the timer index), the
 * oldest overdue timer or retry and the oldest pending notification (indexes of migration 0006).
 */

export const COUNT_TIMERS_DUE = `SELECT count(*) AS due FROM (SELECT 1 FROM machines
  WHERE namespace = @namespace AND timer_due_at_us IS NOT NULL AND timer_due_at_us < @dueBefore
  ORDER BY timer_due_at_us LIMIT @cap)`;

export const OLDEST_OVERDUE_TIMER = `SELECT min(due_at_us) AS due_at_us FROM machines
  WHERE namespace = @namespace AND due_at_us IS NOT NULL AND due_at_us <= @now`;

export const OLDEST_PENDING_NOTIFICATION = `SELECT min(c.created_at_us) AS created_at_us FROM (
    SELECT machine_id, created_at_us FROM notifications WHERE namespace = @namespace
    ORDER BY created_at_us LIMIT @candidates) c
  JOIN machines m ON m.namespace = @namespace AND m.machine_id = c.machine_id
  WHERE m.failure IS NULL AND m.pause IS NULL`;

export const READ_SCHEMA_VERSION = "SELECT coalesce(max(version), 0) AS version FROM schema_migrations";
