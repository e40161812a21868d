/** Every SQL statement of the SQLite adapter, one named constant each. Values are always bound parameters. */

export const READ_LEASE =
  "SELECT owner, epoch, expires_at_us FROM leases WHERE namespace = ? AND machine_id = ?";

export const NEXT_LEASE_EPOCH =
  "UPDATE lease_epoch SET value = value + 1 WHERE singleton = 1 RETURNING value";

export const UPSERT_LEASE = `INSERT INTO leases (namespace, machine_id, owner, epoch, expires_at_us) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (namespace, machine_id) DO UPDATE
  SET owner = excluded.owner, epoch = excluded.epoch, expires_at_us = excluded.expires_at_us`;

export const DELETE_LEASE = "DELETE FROM leases WHERE namespace = ? AND machine_id = ? AND epoch = ?";

export const EXTEND_LEASE =
  "UPDATE leases SET expires_at_us = ? WHERE namespace = ? AND machine_id = ? AND epoch = ?";

export const READ_MACHINE = "SELECT * FROM machines WHERE namespace = ? AND machine_id = ?";

const MACHINE_COLUMNS = `namespace, machine_id, status, aux_state, aux_format_version, last_event_id, timer,
  timer_due_at_us, retry, failure, due_at_us, created_at_us, updated_at_us`;

export const INSERT_MACHINE = `INSERT INTO machines (${MACHINE_COLUMNS}) VALUES (@namespace, @machine_id, @status,
  @aux_state, @aux_format_version, @last_event_id, @timer, @timer_due_at_us, @retry, @failure, @due_at_us,
  @created_at_us, @updated_at_us)`;

/** Fenced on the history too: the record must still end where this step's events begin. */
export const UPDATE_MACHINE = `UPDATE machines SET status = @status, aux_state = @aux_state,
  aux_format_version = @aux_format_version, last_event_id = @last_event_id, timer = @timer,
  timer_due_at_us = @timer_due_at_us, retry = @retry, failure = @failure, due_at_us = @due_at_us,
  updated_at_us = @updated_at_us
  WHERE namespace = @namespace AND machine_id = @machine_id AND last_event_id = @previous_last_event_id`;

export const DELETE_MACHINE = "DELETE FROM machines WHERE namespace = ? AND machine_id = ?";
export const DELETE_EVENTS = "DELETE FROM events WHERE namespace = ? AND machine_id = ?";
export const DELETE_MACHINE_NOTIFICATIONS =
  "DELETE FROM notifications WHERE namespace = ? AND machine_id = ?";
export const DELETE_MACHINE_LEASE = "DELETE FROM leases WHERE namespace = ? AND machine_id = ?";

export const INSERT_EVENT = `INSERT INTO events (namespace, machine_id, event_id, created_at_us, format_version, data)
  VALUES (?, ?, ?, ?, ?, ?)`;

export const READ_EVENTS_FORWARD = `SELECT event_id, created_at_us, format_version, data FROM events
  WHERE namespace = ? AND machine_id = ? AND event_id BETWEEN ? AND ? ORDER BY event_id ASC`;

export const READ_EVENTS_BACKWARD = `SELECT event_id, created_at_us, format_version, data FROM events
  WHERE namespace = ? AND machine_id = ? AND event_id BETWEEN ? AND ? ORDER BY event_id DESC`;

export const UPDATE_EVENT_CONTENT = `UPDATE events SET format_version = ?, data = ?
  WHERE namespace = ? AND machine_id = ? AND event_id = ?`;

/** Due machines whose lease is free or expired; the partial index on due_at_us keeps this a range scan. */
export const SELECT_DUE_MACHINES = `SELECT m.* FROM machines m
  LEFT JOIN leases l ON l.namespace = m.namespace AND l.machine_id = m.machine_id
  WHERE m.due_at_us IS NOT NULL AND m.due_at_us <= @now AND (l.owner IS NULL OR l.expires_at_us <= @now)
  ORDER BY m.due_at_us LIMIT @limit`;

export const SELECT_DUE_NOTIFICATIONS = `SELECT n.* FROM notifications n
  JOIN machines m ON m.namespace = n.namespace AND m.machine_id = n.machine_id
  LEFT JOIN leases l ON l.namespace = n.namespace AND l.machine_id = n.machine_id
  WHERE n.due_at_us <= @now AND m.failure IS NULL AND (l.owner IS NULL OR l.expires_at_us <= @now)
  ORDER BY n.due_at_us LIMIT @limit`;

/** Looks at the earliest due machines only: a wake-up estimate, not a claim. */
export const NEXT_DUE_MACHINE = `SELECT min(max(d.due_at_us, coalesce(l.expires_at_us, 0))) AS due FROM
  (SELECT namespace, machine_id, due_at_us FROM machines WHERE due_at_us IS NOT NULL ORDER BY due_at_us LIMIT 64) d
  LEFT JOIN leases l ON l.namespace = d.namespace AND l.machine_id = d.machine_id`;

export const NEXT_DUE_NOTIFICATION = `SELECT min(max(d.due_at_us, coalesce(l.expires_at_us, 0))) AS due FROM
  (SELECT n.namespace, n.machine_id, n.due_at_us FROM notifications n
    JOIN machines m ON m.namespace = n.namespace AND m.machine_id = n.machine_id
    WHERE m.failure IS NULL ORDER BY n.due_at_us LIMIT 64) d
  LEFT JOIN leases l ON l.namespace = d.namespace AND l.machine_id = d.machine_id`;

export const MACHINE_EXISTS = "SELECT 1 AS found FROM machines WHERE namespace = ? AND machine_id = ?";

export const INSERT_NOTIFICATION = `INSERT INTO notifications (namespace, notification_id, machine_id, args, range,
  context, created_at_us, due_at_us, attempt, first_failed_at_us, last_error) VALUES (@namespace, @notification_id,
  @machine_id, @args, @range, @context, @created_at_us, @due_at_us, @attempt, @first_failed_at_us, @last_error)`;

export const DELETE_NOTIFICATION = "DELETE FROM notifications WHERE namespace = ? AND notification_id = ?";

export const RESCHEDULE_NOTIFICATION = `UPDATE notifications SET due_at_us = ?, attempt = ?, first_failed_at_us = ?,
  last_error = ? WHERE namespace = ? AND notification_id = ?`;

export const LIST_MACHINES = `SELECT * FROM machines WHERE namespace = ? AND machine_id > ?
  ORDER BY machine_id LIMIT ?`;

export const INSERT_OUTBOX = `INSERT INTO outbox (sink, namespace, machine_id, kind, event_id, created_at_us,
  format_version, data, change) VALUES (@sink, @namespace, @machine_id, @kind, @event_id, @created_at_us,
  @format_version, @data, @change)`;

export const READ_OUTBOX = "SELECT * FROM outbox WHERE sink = ? ORDER BY position LIMIT ?";

export const DELETE_OUTBOX = "DELETE FROM outbox WHERE sink = ? AND position = ?";

export const OUTBOX_BACKLOG = `SELECT count(*) AS records, min(created_at_us) AS oldest_created_at_us
  FROM outbox WHERE sink = ?`;

export const OUTBOX_PENDING = `SELECT count(*) AS pending FROM outbox
  WHERE namespace = @namespace AND machine_id = @machine_id AND sink IN (SELECT value FROM json_each(@sinks))
    AND ((kind = 'event' AND event_id <= @event_id_max) OR (kind = 'lifecycle' AND created_at_us <= @committed_at_us_max))`;
