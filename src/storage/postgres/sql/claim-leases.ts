/**
 * The part every claim shares: over a CTE `chosen` of due machines, take their leases with new epochs. Locks are
 * taken machine row first, then lease row, and a claim never waits on a lease row: an existing one is locked with
 * SKIP LOCKED, a missing one is inserted with ON CONFLICT DO NOTHING. A commit locks the lease row and then
 * writes the machine row; were a claim to wait on that lease row while holding the machine row, the two would
 * deadlock. A locked row is re-read at its latest version, so the records returned are those the new leases
 * fence.
 */
import type { QuotedSchemaName } from "../schema-name.js";

/**
 * Lease-taking CTEs over a CTE `chosen` (namespace, machine_id); yields `taken` (namespace, machine_id,
 * epoch, previous_owner: the owner of the expired lease replaced, null for a new lease row). Parameters: $1 now, $2 owner, $3 lease expiry.
 */
export function takeLeasesOfChosen(schema: QuotedSchemaName): string {
  return `expired AS (
      SELECT l.namespace, l.machine_id, l.owner AS previous_owner FROM ${schema}.leases l
      JOIN chosen c ON l.namespace = c.namespace AND l.machine_id = c.machine_id
      WHERE l.expires_at_us <= $1::bigint
      FOR UPDATE OF l SKIP LOCKED
    ), taken_over AS (
      UPDATE ${schema}.leases l SET owner = $2::text, epoch = DEFAULT, expires_at_us = $3::bigint
      FROM expired e
      WHERE l.namespace = e.namespace AND l.machine_id = e.machine_id AND l.expires_at_us <= $1::bigint
      RETURNING l.namespace, l.machine_id, l.epoch, e.previous_owner
    ), inserted AS (
      INSERT INTO ${schema}.leases (namespace, machine_id, owner, expires_at_us)
      SELECT c.namespace, c.machine_id, $2::text, $3::bigint FROM chosen c
      WHERE NOT EXISTS (SELECT 1 FROM ${schema}.leases l
        WHERE l.namespace = c.namespace AND l.machine_id = c.machine_id)
      ON CONFLICT (namespace, machine_id) DO NOTHING
      RETURNING namespace, machine_id, epoch, NULL::text AS previous_owner
    ), taken AS (
      SELECT * FROM taken_over UNION ALL SELECT * FROM inserted
    )`;
}

export function noLiveLease(schema: QuotedSchemaName, alias: string): string {
  return `NOT EXISTS (SELECT 1 FROM ${schema}.leases l
    WHERE l.namespace = ${alias}.namespace AND l.machine_id = ${alias}.machine_id AND l.expires_at_us > $1::bigint)`;
}
