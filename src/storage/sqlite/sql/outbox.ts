/**
 * Outbox statements: inserts with the step's commit; reads and deletes by the relay (fenced by the adapter, which
 * checks the sink's lease in the same transaction); replays of committed events; pending counts.
 */

export const INSERT_OUTBOX = `INSERT INTO outbox (sink, namespace, machine_id, kind, event_id, created_at_us,
  format_version, data, change) VALUES (@sink, @namespace, @machine_id, @kind, @event_id, @created_at_us,
  @format_version, @data, @change)`;

/** A machine with a parked record for the sink has its later records held back. */
export const READ_OUTBOX = `SELECT * FROM outbox o WHERE o.sink = ?
  AND NOT EXISTS (SELECT 1 FROM outbox_parked p
    WHERE p.sink = o.sink AND p.namespace = o.namespace AND p.machine_id = o.machine_id)
  AND o.position NOT IN (SELECT value FROM json_each(?))
  ORDER BY o.position LIMIT ?`;

export const DELETE_OUTBOX = "DELETE FROM outbox WHERE sink = ? AND position = ?";

export const REPLAY_EVENTS = `INSERT INTO outbox (sink, namespace, machine_id, kind, event_id, created_at_us,
    format_version, data, change)
  SELECT @sink, e.namespace, e.machine_id, 'event', e.event_id, e.created_at_us, e.format_version, e.data, NULL
  FROM events e
  WHERE e.namespace = @namespace AND (@machine_id IS NULL OR e.machine_id = @machine_id)
    AND e.event_id > @after_event_id
  ORDER BY e.machine_id, e.event_id`;

export const OUTBOX_BACKLOG = `SELECT (SELECT count(*) FROM outbox WHERE sink = @sink) AS records,
  (SELECT min(created_at_us) FROM outbox WHERE sink = @sink) AS oldest_created_at_us,
  (SELECT count(*) FROM outbox_parked WHERE sink = @sink) AS parked`;

export const OUTBOX_PENDING = `SELECT count(*) AS pending FROM outbox
  WHERE namespace = @namespace AND machine_id = @machine_id AND sink IN (SELECT value FROM json_each(@sinks))
    AND ((kind = 'event' AND event_id <= @event_id_max) OR (kind = 'lifecycle' AND created_at_us <= @committed_at_us_max))`;
