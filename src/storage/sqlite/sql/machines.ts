/** Machine statements. Values are always bound parameters. */

export const READ_MACHINE = "SELECT * FROM machines WHERE namespace = ? AND machine_id = ?";

const MACHINE_COLUMNS = `namespace, machine_id, status, aux_state, aux_format_version, last_event_id, timer,
  timer_due_at_us, retry, failure, pause, last_step_number, due_at_us, created_at_us, updated_at_us`;

export const INSERT_MACHINE = `INSERT INTO machines (${MACHINE_COLUMNS}) VALUES (@namespace, @machine_id, @status,
  @aux_state, @aux_format_version, @last_event_id, @timer, @timer_due_at_us, @retry, @failure, @pause,
  @last_step_number, @due_at_us, @created_at_us, @updated_at_us)`;

/** Fenced on the history too: the record must still end where this step's events begin. */
export const UPDATE_MACHINE = `UPDATE machines SET status = @status, aux_state = @aux_state,
  aux_format_version = @aux_format_version, last_event_id = @last_event_id, timer = @timer,
  timer_due_at_us = @timer_due_at_us, retry = @retry, failure = @failure, pause = @pause,
  last_step_number = @last_step_number, due_at_us = @due_at_us, updated_at_us = @updated_at_us
  WHERE namespace = @namespace AND machine_id = @machine_id AND last_event_id = @previous_last_event_id`;

export const DELETE_MACHINE = "DELETE FROM machines WHERE namespace = ? AND machine_id = ?";

export const MACHINE_EXISTS = "SELECT 1 AS found FROM machines WHERE namespace = ? AND machine_id = ?";

export const LIST_MACHINES = `SELECT * FROM machines WHERE namespace = ? AND machine_id > ?
  ORDER BY machine_id LIMIT ?`;
