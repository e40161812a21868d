/** Notification claims: due notifications of the node's namespaces whose machine is not failed and not leased. */

export const SELECT_DUE_NOTIFICATIONS = `SELECT n.*, l.owner AS lease_owner FROM notifications n
  JOIN machines m ON m.namespace = n.namespace AND m.machine_id = n.machine_id
  LEFT JOIN leases l ON l.namespace = n.namespace AND l.machine_id = n.machine_id
  WHERE n.due_at_us <= @now AND m.failure IS NULL AND m.pause IS NULL AND (l.owner IS NULL OR l.expires_at_us <= @now)
    AND n.namespace IN (SELECT value FROM json_each(@namespaces))
  ORDER BY n.due_at_us LIMIT @limit`;

export const NEXT_DUE_NOTIFICATION = `SELECT min(max(d.due_at_us, coalesce(l.expires_at_us, 0))) AS due FROM
  (SELECT n.namespace, n.machine_id, n.due_at_us FROM notifications n
    JOIN machines m ON m.namespace = n.namespace AND m.machine_id = n.machine_id
    WHERE m.failure IS NULL AND m.pause IS NULL AND n.namespace IN (SELECT value FROM json_each(@namespaces))
    ORDER BY n.due_at_us LIMIT 64) d
  LEFT JOIN leases l ON l.namespace = d.namespace AND l.machine_id = d.machine_id`;
