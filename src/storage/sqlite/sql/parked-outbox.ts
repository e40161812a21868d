/** Parked outbox records: moved aside with their position kept, requeued to the same position, or dropped. */

const RECORD_COLUMNS = `position, sink, namespace, machine_id, kind, event_id, created_at_us, format_version, data,
  change`;

export const PARK_OUTBOX_RECORD = `INSERT INTO outbox_parked (${RECORD_COLUMNS}, reason, parked_at_us)
  SELECT ${RECORD_COLUMNS}, @reason, @parked_at_us FROM outbox WHERE sink = @sink AND position = @position`;

export const LIST_PARKED = `SELECT * FROM outbox_parked WHERE (@sink IS NULL OR sink = @sink)
  AND position > @after_position ORDER BY position LIMIT @limit`;

export const REQUEUE_PARKED = `INSERT INTO outbox (${RECORD_COLUMNS})
  SELECT ${RECORD_COLUMNS} FROM outbox_parked WHERE sink = ? AND position = ?`;

export const DELETE_PARKED = "DELETE FROM outbox_parked WHERE sink = ? AND position = ?";
