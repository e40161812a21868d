/**
 * The step journal: inserted with the step's commit into `steps_recent` (insertion order: a batch of many
 * machines' steps appends to a page or two), moved into `steps` (per machine) in large batches, read from both,
 * pruned in bounded batches.
 */

const STEP_COLUMNS = `step_number, kind, name, processor, attempt, started_at_us, ended_at_us, outcome, error_class,
  error_text, events_appended`;

export const INSERT_STEP = `INSERT INTO steps_recent (namespace, machine_id, ${STEP_COLUMNS}) VALUES (@namespace,
  @machine_id, @step_number, @kind, @name, @processor, @attempt, @started_at_us, @ended_at_us, @outcome,
  @error_class, @error_text, @events_appended)`;

export const LAST_RECENT_ROWID = "SELECT max(rowid) AS last FROM steps_recent";

/** Moves the recent entries up to a rowid into `steps`, in the table's order so each machine's page is written once. */
export const MOVE_RECENT_STEPS = `INSERT INTO steps (namespace, machine_id, ${STEP_COLUMNS})
  SELECT namespace, machine_id, ${STEP_COLUMNS} FROM steps_recent WHERE rowid <= ?
  ORDER BY namespace, machine_id, step_number`;

export const DELETE_MOVED_STEPS = "DELETE FROM steps_recent WHERE rowid <= ?";

/** Both tables, as one: what every read of the journal reads from. */
const BOTH = (where: string) => `SELECT namespace, machine_id, ${STEP_COLUMNS} FROM steps WHERE ${where}
  UNION ALL SELECT namespace, machine_id, ${STEP_COLUMNS} FROM steps_recent WHERE ${where}`;

export const LIST_STEPS_FORWARD = `SELECT ${STEP_COLUMNS} FROM (${BOTH(
  "namespace = @namespace AND machine_id = @machineId AND step_number > @after",
)}) ORDER BY step_number ASC LIMIT @limit`;

export const LIST_STEPS_BACKWARD = `SELECT ${STEP_COLUMNS} FROM (${BOTH(
  "namespace = @namespace AND machine_id = @machineId AND step_number < @after",
)}) ORDER BY step_number DESC LIMIT @limit`;

export const READ_JOURNAL_WINDOW = `SELECT machine_id, ${STEP_COLUMNS} FROM (${BOTH(
  "namespace = @namespace AND ended_at_us >= @since AND ended_at_us < @until",
)}) ORDER BY machine_id, step_number LIMIT @limit`;

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
export const DELETE_MACHINE_RECENT_STEPS = "DELETE FROM steps_recent WHERE namespace = ? AND machine_id = ?";
