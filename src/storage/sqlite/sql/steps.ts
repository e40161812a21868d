/** The step journal: inserted with the step's commit, read by page and by window, pruned in bounded batches. */

const STEP_COLUMNS = `step_number, kind, name, processor, attempt, started_at_us, ended_at_us, outcome, error_class,
  error_text, events_appended`;

export const INSERT_STEP = `INSERT INTO steps (namespace, machine_id, ${STEP_COLUMNS}) VALUES (@namespace,
  @machine_id, @step_number, @kind, @name, @processor, @attempt, @started_at_us, @ended_at_us, @outcome,
  @error_class, @error_text, @events_appended)`;

export const LIST_STEPS_FORWARD = `SELECT ${STEP_COLUMNS} FROM steps WHERE namespace = ? AND machine_id = ?
  AND step_number > ? ORDER BY step_number ASC LIMIT ?`;

export const LIST_STEPS_BACKWARD = `SELECT ${STEP_COLUMNS} FROM steps WHERE namespace = ? AND machine_id = ?
  AND step_number < ? ORDER BY step_number DESC LIMIT ?`;

export const READ_JOURNAL_WINDOW = `SELECT machine_id, ${STEP_COLUMNS} FROM steps
  WHERE namespace = @namespace AND ended_at_us >= @since AND ended_at_us < @until
  ORDER BY machine_id, step_number LIMIT @limit`;

export const PRUNE_STEPS_BY_AGE = `DELETE FROM steps WHERE (namespace, machine_id, step_number) IN (
  SELECT namespace, machine_id, step_number FROM steps WHERE namespace = @namespace AND ended_at_us < @before
  LIMIT @limit)`;

export const PRUNE_STEPS_BY_COUNT = `DELETE FROM steps WHERE (namespace, machine_id, step_number) IN (
  SELECT s.namespace, s.machine_id, s.step_number FROM machines m
  JOIN steps s ON s.namespace = m.namespace AND s.machine_id = m.machine_id
    AND s.step_number <= m.last_step_number - @keep
  WHERE m.namespace = @namespace AND m.updated_at_us >= @since AND m.last_step_number > @keep
  LIMIT @limit)`;

export const DELETE_MACHINE_STEPS = "DELETE FROM steps WHERE namespace = ? AND machine_id = ?";
