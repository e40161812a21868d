/**
 * Lease statements. A lease row is locked before any write it fences; epochs come from the `lease_epochs`
 * sequence through the column default. Batches lock lease rows in key order, so two batches never deadlock.
 */
import type pg from "pg";
import type { Lease } from "../../storage.js";
import type { QuotedSchemaName } from "../schema-name.js";

const columnOf = <K extends keyof Lease>(leases: readonly Lease[], key: K) =>
  leases.map((lease) => lease[key]);

/**
 * Takes the lease if it is free, expired, or the caller's own, with a new epoch; otherwise leaves it as it is.
 * Always answers with the current row, so a busy answer carries the holder's expiry. The conflict path updates
 * even when busy (a no-op write) because only then is the returned row the latest version, not the snapshot's.
 */
export function acquireLease(
  schema: QuotedSchemaName,
  options: { namespace: string; machineId: string; owner: string; nowUs: number; untilUs: number },
): pg.QueryConfig {
  const free = "l.owner = excluded.owner OR l.expires_at_us <= $4::bigint";
  return {
    name: "ratchet_acquire_lease",
    text: `INSERT INTO ${schema}.leases AS l (namespace, machine_id, owner, expires_at_us)
      VALUES ($1::text, $2::text, $3::text, $5::bigint)
      ON CONFLICT (namespace, machine_id) DO UPDATE SET
        owner = CASE WHEN ${free} THEN excluded.owner ELSE l.owner END,
        epoch = CASE WHEN ${free} THEN excluded.epoch ELSE l.epoch END,
        expires_at_us = CASE WHEN ${free} THEN excluded.expires_at_us ELSE l.expires_at_us END
      RETURNING namespace, machine_id, owner, epoch, expires_at_us`,
    values: [options.namespace, options.machineId, options.owner, options.nowUs, options.untilUs],
  };
}

/** Locks the lease rows that still carry the given epochs until the transaction ends; returns them. */
export function lockLeases(schema: QuotedSchemaName, leases: readonly Lease[]): pg.QueryConfig {
  return {
    name: "ratchet_lock_leases",
    // The owner is matched too: lease writes are not flushed on commit, so after a server crash the epoch
    // sequence may repeat a value; epoch and owner together still name one holder.
    text: `SELECT l.namespace, l.machine_id, l.epoch FROM ${schema}.leases l
      JOIN unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS s(namespace, machine_id, epoch, owner)
        ON l.namespace = s.namespace AND l.machine_id = s.machine_id AND l.epoch = s.epoch AND l.owner = s.owner
      ORDER BY l.namespace, l.machine_id
      FOR UPDATE OF l`,
    values: [
      columnOf(leases, "namespace"),
      columnOf(leases, "machineId"),
      columnOf(leases, "epoch"),
      columnOf(leases, "owner"),
    ],
  };
}

/**
 * After a batch's writes: extends the leases of steps that keep them and deletes the others. Wakes the other
 * nodes once for the whole batch when the caller saw new due work, or when a released machine has
 * notifications waiting (they could not be claimed while it was leased).
 */
export function settleLeases(
  schema: QuotedSchemaName,
  options: {
    leases: readonly Lease[];
    /** Per lease: keep it until this instant, or null to release it. */
    expiresAtUs: readonly (number | null)[];
    wake: boolean;
    channel: string;
  },
): pg.QueryConfig {
  const { leases } = options;
  return {
    name: "ratchet_settle_leases",
    text: `WITH settled AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])
          AS s(namespace, machine_id, epoch, expires_at_us)
      ), released AS (
        DELETE FROM ${schema}.leases l USING settled s
        WHERE l.namespace = s.namespace AND l.machine_id = s.machine_id AND l.epoch = s.epoch
          AND s.expires_at_us IS NULL
        RETURNING l.namespace, l.machine_id
      ), extended AS (
        UPDATE ${schema}.leases l SET expires_at_us = s.expires_at_us FROM settled s
        WHERE l.namespace = s.namespace AND l.machine_id = s.machine_id AND l.epoch = s.epoch
          AND s.expires_at_us IS NOT NULL
        RETURNING l.machine_id
      ), woken AS (
        SELECT pg_notify($6::text, '') WHERE $5::boolean OR EXISTS (
          SELECT 1 FROM ${schema}.notifications n
          JOIN released r ON n.namespace = r.namespace AND n.machine_id = r.machine_id)
      )
      SELECT (SELECT count(*) FROM released) + (SELECT count(*) FROM extended) AS settled_count,
        (SELECT count(*) FROM woken) AS woken_count`,
    values: [
      columnOf(leases, "namespace"),
      columnOf(leases, "machineId"),
      columnOf(leases, "epoch"),
      options.expiresAtUs,
      options.wake,
      options.channel,
    ],
  };
}

/** Extends the leases that still carry their epochs (expired or not); returns those it extended. */
export function renewLeases(
  schema: QuotedSchemaName,
  leases: readonly Lease[],
  untilUs: number,
): pg.QueryConfig {
  return {
    name: "ratchet_renew_leases",
    text: `WITH locked AS (
        SELECT l.namespace, l.machine_id, l.epoch FROM ${schema}.leases l
        JOIN unnest($1::text[], $2::text[], $3::bigint[]) AS r(namespace, machine_id, epoch)
          ON l.namespace = r.namespace AND l.machine_id = r.machine_id AND l.epoch = r.epoch
        ORDER BY l.namespace, l.machine_id
        FOR UPDATE OF l
      )
      UPDATE ${schema}.leases l SET expires_at_us = $4::bigint FROM locked k
      WHERE l.namespace = k.namespace AND l.machine_id = k.machine_id AND l.epoch = k.epoch
      RETURNING l.namespace, l.machine_id, l.epoch`,
    values: [
      columnOf(leases, "namespace"),
      columnOf(leases, "machineId"),
      columnOf(leases, "epoch"),
      untilUs,
    ],
  };
}

/** Deletes the lease if it still carries this epoch; wakes other nodes if the machine has work waiting. */
export function releaseLease(schema: QuotedSchemaName, lease: Lease, channel: string): pg.QueryConfig {
  return {
    name: "ratchet_release_lease",
    text: `WITH released AS (
        DELETE FROM ${schema}.leases
        WHERE namespace = $1::text AND machine_id = $2::text AND epoch = $3::bigint
        RETURNING namespace, machine_id
      )
      SELECT pg_notify($4::text, '') FROM released r
      WHERE EXISTS (SELECT 1 FROM ${schema}.machines m
          WHERE m.namespace = r.namespace AND m.machine_id = r.machine_id AND m.due_at_us IS NOT NULL)
        OR EXISTS (SELECT 1 FROM ${schema}.notifications n
          WHERE n.namespace = r.namespace AND n.machine_id = r.machine_id)`,
    values: [lease.namespace, lease.machineId, lease.epoch, channel],
  };
}

/** A notification on the wake channel with a payload (a release request); sent at once, outside any transaction. */
export function notifyWake(channel: string, payload: string): pg.QueryConfig {
  return {
    name: "ratchet_notify_wake",
    text: "SELECT pg_notify($1::text, $2::text)",
    values: [channel, payload],
  };
}
