/**
 * Timer claims: due timers of the node's namespaces whose lease is free or expired (a timer retry is the timer of
 * a retried step); the partial index on due_at_us keeps this a range scan. And the earliest due instant.
 */

export const SELECT_DUE_TIMERS = `SELECT m.*, l.owner AS lease_owner FROM machines m
  LEFT JOIN leases l ON l.namespace = m.namespace AND l.machine_id = m.machine_id
  WHERE m.due_at_us IS NOT NULL AND m.due_at_us <= @now AND (l.owner IS NULL OR l.expires_at_us <= @now)
    AND m.namespace IN (SELECT value FROM json_each(@namespaces))
  ORDER BY m.due_at_us LIMIT @limit`;

/** Looks at the earliest due machines only: a wake-up estimate, not a claim. */
export const NEXT_DUE_TIMER = `SELECT min(max(d.due_at_us, coalesce(l.expires_at_us, 0))) AS due FROM
  (SELECT namespace, machine_id, due_at_us FROM machines
    WHERE due_at_us IS NOT NULL AND namespace IN (SELECT value FROM json_each(@namespaces))
    ORDER BY due_at_us LIMIT 64) d
  LEFT JOIN leases l ON l.namespace = d.namespace AND l.machine_id = d.machine_id`;
