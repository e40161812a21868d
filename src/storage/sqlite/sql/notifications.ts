/** Notification statements: store, settle (deliver or reschedule), list, delete with the machine. */

export const INSERT_NOTIFICATION = `INSERT INTO notifications (namespace, notification_id, machine_id, args, range,
  context, created_at_us, due_at_us, attempt, first_failed_at_us, last_error) VALUES (@namespace, @notification_id,
  @machine_id, @args, @range, @context, @created_at_us, @due_at_us, @attempt, @first_failed_at_us, @last_error)`;

export const DELETE_NOTIFICATION = "DELETE FROM notifications WHERE namespace = ? AND notification_id = ?";

export const RESCHEDULE_NOTIFICATION = `UPDATE notifications SET due_at_us = ?, attempt = ?, first_failed_at_us = ?,
  last_error = ? WHERE namespace = ? AND notification_id = ?`;

export const DELETE_MACHINE_NOTIFICATIONS =
  "DELETE FROM notifications WHERE namespace = ? AND machine_id = ?";

export const LIST_NOTIFICATIONS = `SELECT * FROM notifications WHERE namespace = ? AND machine_id = ?
  ORDER BY due_at_us, notification_id`;
