/**
 * Bulk run statements: create, read and list runs, their outcomes, cancel; and the runner's lease-fenced writes,
 * each matching the run's id, lease owner and lease epoch, so a node that lost the run changes nothing.
 */

export const INSERT_BULK_RUN = `INSERT INTO bulk_runs (id, namespace, action, filter, args, rate_per_second,
  status, selected, actor, created_at_us, updated_at_us) VALUES (@id, @namespace, @action, @filter, @args,
  @rate_per_second, 'running', @selected, @actor, @now_us, @now_us) RETURNING *`;

export const READ_BULK_RUN = "SELECT * FROM bulk_runs WHERE id = ?";

export const LIST_BULK_RUNS = `SELECT * FROM bulk_runs WHERE namespace = ?
  ORDER BY created_at_us DESC, id DESC LIMIT ?`;

export const LIST_BULK_OUTCOMES = `SELECT * FROM bulk_outcomes WHERE run_id = @run_id
  AND (@after IS NULL OR machine_id > @after) ORDER BY machine_id LIMIT @limit`;

export const CANCEL_BULK_RUN = `UPDATE bulk_runs SET status = 'cancelled', updated_at_us = ?
  WHERE id = ? AND status = 'running'`;

/** The namespaces come as one JSON array. */
export const FIND_CLAIMABLE_BULK_RUN = `SELECT id FROM bulk_runs WHERE status = 'running'
  AND (lease_expires_at_us IS NULL OR lease_expires_at_us <= ?)
  AND namespace IN (SELECT value FROM json_each(?)) ORDER BY created_at_us, id LIMIT 1`;

export const TAKE_BULK_RUN = `UPDATE bulk_runs SET lease_owner = ?, lease_epoch = lease_epoch + 1,
  lease_expires_at_us = ? WHERE id = ? RETURNING *`;

const FENCE = "id = @run_id AND lease_owner = @owner AND lease_epoch = @epoch";

export const BEGIN_BULK_MACHINE = `UPDATE bulk_runs SET in_flight_machine_id = @machine_id,
  lease_expires_at_us = @until_us WHERE ${FENCE} RETURNING status`;

/** The cursor only moves forward: an outcome for a machine at or before it is refused (recorded already). */
export const ADVANCE_BULK_RUN = `UPDATE bulk_runs SET cursor_machine_id = @machine_id, in_flight_machine_id = NULL,
  succeeded = succeeded + @ok, failed = failed + @failed, skipped = skipped + @skipped,
  updated_at_us = @at_us, lease_expires_at_us = @until_us
  WHERE ${FENCE} AND (cursor_machine_id IS NULL OR cursor_machine_id < @machine_id)`;

export const INSERT_BULK_OUTCOME = `INSERT INTO bulk_outcomes (run_id, machine_id, outcome, error_code, detail,
  at_us) VALUES (@run_id, @machine_id, @outcome, @error_code, @detail, @at_us)`;

export const RENEW_BULK_RUN = `UPDATE bulk_runs SET lease_expires_at_us = @until_us WHERE ${FENCE}
  RETURNING status`;

export const RELEASE_BULK_RUN = `UPDATE bulk_runs SET lease_owner = NULL, lease_expires_at_us = NULL,
  status = CASE WHEN @done = 1 AND status = 'running' THEN 'done' ELSE status END,
  updated_at_us = CASE WHEN @done = 1 THEN @now_us ELSE updated_at_us END WHERE ${FENCE}`;
