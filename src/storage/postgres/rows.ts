/**
 * Row shapes only PostgreSQL answers with: a claimed notification (machine and notification columns in one row)
 * and a lease. The tables' own rows are shared with SQLite in `../rows.ts`.
 */
import type { Notification } from "../../core/notification.js";
import { type MachineRow, notificationFromRow } from "../rows.js";
import type { Lease } from "../storage.js";

/** A claim answers with the machine's columns and the notification's, the clashing ones renamed. */
export interface ClaimedNotificationRow extends MachineRow {
  notification_id: string;
  args: Uint8Array;
  range: string;
  context: string | null;
  notification_created_at_us: number;
  notification_due_at_us: number;
  attempt: number;
  first_failed_at_us: number | null;
  last_error: string | null;
  epoch: number;
}

export function claimedNotificationFromRow(row: ClaimedNotificationRow): Notification {
  return notificationFromRow({
    namespace: row.namespace,
    notification_id: row.notification_id,
    machine_id: row.machine_id,
    args: row.args,
    range: row.range,
    context: row.context,
    created_at_us: row.notification_created_at_us,
    due_at_us: row.notification_due_at_us,
    attempt: row.attempt,
    first_failed_at_us: row.first_failed_at_us,
    last_error: row.last_error,
  });
}

export interface LeaseRow {
  namespace: string;
  machine_id: string;
  owner: string;
  epoch: number;
  expires_at_us: number;
}

export function leaseFromRow(row: Pick<LeaseRow, "namespace" | "machine_id" | "owner" | "epoch">): Lease {
  return { namespace: row.namespace, machineId: row.machine_id, owner: row.owner, epoch: row.epoch };
}
