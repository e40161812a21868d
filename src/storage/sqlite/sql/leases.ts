/** Lease statements: one row per leased machine (or sink); epochs come from the one-row lease_epoch table. */

export const READ_LEASE =
  "SELECT owner, epoch, expires_at_us FROM leases WHERE namespace = ? AND machine_id = ?";

export const NEXT_LEASE_EPOCH =
  "UPDATE lease_epoch SET value = value + 1 WHERE singleton = 1 RETURNING value";

export const UPSERT_LEASE = `INSERT INTO leases (namespace, machine_id, owner, epoch, expires_at_us) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (namespace, machine_id) DO UPDATE
  SET owner = excluded.owner, epoch = excluded.epoch, expires_at_us = excluded.expires_at_us`;

export const DELETE_LEASE = "DELETE FROM leases WHERE namespace = ? AND machine_id = ? AND epoch = ?";

export const EXTEND_LEASE =
  "UPDATE leases SET expires_at_us = ? WHERE namespace = ? AND machine_id = ? AND epoch = ?";

export const DELETE_MACHINE_LEASE = "DELETE FROM leases WHERE namespace = ? AND machine_id = ?";
