/** Event statements: the primary key (namespace, machine_id, event_id) serves every read as a range scan. */

export const INSERT_EVENT = `INSERT INTO events (namespace, machine_id, event_id, created_at_us, format_version, data)
  VALUES (?, ?, ?, ?, ?, ?)`;

export const READ_EVENTS_FORWARD = `SELECT event_id, created_at_us, format_version, data FROM events
  WHERE namespace = ? AND machine_id = ? AND event_id BETWEEN ? AND ? ORDER BY event_id ASC`;

export const READ_EVENTS_BACKWARD = `SELECT event_id, created_at_us, format_version, data FROM events
  WHERE namespace = ? AND machine_id = ? AND event_id BETWEEN ? AND ? ORDER BY event_id DESC`;

export const DELETE_EVENTS = "DELETE FROM events WHERE namespace = ? AND machine_id = ?";

/** Modernization, within the step's fenced commit. */
export const UPDATE_EVENT_CONTENT = `UPDATE events SET format_version = ?, data = ?
  WHERE namespace = ? AND machine_id = ? AND event_id = ?`;
