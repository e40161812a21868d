/** Notification statements: store one for a live machine, settle those a batch of steps delivered or retried. */
import type pg from "pg";
import type { IdempotencyRow } from "../../idempotency-rows.js";
import { diagnosticText, type NotificationRow } from "../../rows.js";
import type { Lease, NotificationOutcome } from "../../storage.js";
import type { QuotedSchemaName } from "../schema-name.js";

/**
 * Stores a notification only while its machine exists, and wakes the other nodes. FOR KEY SHARE holds the
 * machine row until commit, so a concurrent remove either waits for this insert (and its later statement
 * deletes the notification) or has already deleted the machine (and this inserts nothing).
 */
export function insertNotification(
  schema: QuotedSchemaName,
  row: NotificationRow,
  channel: string,
): pg.QueryConfig {
  return {
    name: "ratchet_insert_notification",
    text: `WITH machine AS (
        SELECT namespace, machine_id FROM ${schema}.machines
        WHERE namespace = $1::text AND machine_id = $3::text
        FOR KEY SHARE
      ), inserted AS (
        INSERT INTO ${schema}.notifications (namespace, notification_id, machine_id, args, range, context,
          created_at_us, due_at_us, attempt, first_failed_at_us, last_error)
        SELECT m.namespace, $2::text, m.machine_id, $4::bytea, $5::text, $6::text, $7::bigint, $8::bigint,
          $9::integer, $10::bigint, $11::text
        FROM machine m
        RETURNING notification_id
      )
      SELECT i.notification_id, pg_notify($12::text, '') FROM inserted i`,
    values: [
      row.namespace,
      row.notification_id,
      row.machine_id,
      row.args,
      row.range,
      row.context,
      row.created_at_us,
      row.due_at_us,
      row.attempt,
      row.first_failed_at_us,
      row.last_error,
      channel,
    ],
  };
}

/**
 * insertNotification with its idempotency key, in one statement: the key goes in first, and the notification
 * only when the key was new, so two requests with one key store one notification (the second's key insert
 * waits for the first's commit and then does nothing). Answers whether the machine exists and whether the
 * notification was stored; a key already stored is read by readIdempotencyKey.
 */
export function insertKeyedNotification(
  schema: QuotedSchemaName,
  row: NotificationRow,
  key: IdempotencyRow,
  channel: string,
): pg.QueryConfig {
  const plain = insertNotification(schema, row, channel);
  return {
    name: "ratchet_insert_keyed_notification",
    text: `WITH machine AS (
        SELECT namespace, machine_id FROM ${schema}.machines
        WHERE namespace = $1::text AND machine_id = $3::text
        FOR KEY SHARE
      ), keyed AS (
        INSERT INTO ${schema}.idempotency_keys (namespace, idempotency_key, machine_id, operation, request_hash,
          outcome, response, created_at_us)
        SELECT m.namespace, $13::text, m.machine_id, 'notify', $14::text, $15::text, NULL, $16::bigint
        FROM machine m
        ON CONFLICT (namespace, idempotency_key) DO NOTHING
        RETURNING 1
      ), inserted AS (
        INSERT INTO ${schema}.notifications (namespace, notification_id, machine_id, args, range, context,
          created_at_us, due_at_us, attempt, first_failed_at_us, last_error)
        SELECT m.namespace, $2::text, m.machine_id, $4::bytea, $5::text, $6::text, $7::bigint, $8::bigint,
          $9::integer, $10::bigint, $11::text
        FROM machine m WHERE EXISTS (SELECT 1 FROM keyed)
        RETURNING notification_id
      )
      SELECT (SELECT count(*) FROM machine)::integer AS machine_count,
        (SELECT count(*) FROM inserted)::integer AS inserted_count,
        (SELECT pg_notify($12::text, '') FROM inserted) AS woken`,
    values: [...(plain.values ?? []), key.idempotency_key, key.request_hash, key.outcome, key.created_at_us],
  };
}

export interface SettledNotification {
  readonly lease: Lease;
  readonly id: string;
  readonly outcome: NotificationOutcome;
}

/**
 * Deletes delivered notifications and reschedules retried ones, fenced by the settling step's lease. Rows
 * are not counted: a notification is settled only by the holder of its machine's lease, so none can vanish.
 */
export function settleNotifications(
  schema: QuotedSchemaName,
  settled: readonly SettledNotification[],
): pg.QueryConfig {
  const retry = (settle: SettledNotification) => (settle.outcome.kind === "retry" ? settle.outcome : null);
  return {
    name: "ratchet_settle_notifications",
    text: `WITH settled AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::integer[],
            $7::bigint[], $8::text[])
          AS s(namespace, machine_id, epoch, notification_id, due_at_us, attempt, first_failed_at_us, last_error)
        WHERE EXISTS (SELECT 1 FROM ${schema}.leases l
          WHERE l.namespace = s.namespace AND l.machine_id = s.machine_id AND l.epoch = s.epoch)
      ), delivered AS (
        DELETE FROM ${schema}.notifications n USING settled s
        WHERE n.namespace = s.namespace AND n.notification_id = s.notification_id
          AND n.machine_id = s.machine_id AND s.due_at_us IS NULL
      )
      UPDATE ${schema}.notifications n SET due_at_us = s.due_at_us, attempt = s.attempt,
        first_failed_at_us = s.first_failed_at_us, last_error = s.last_error
      FROM settled s
      WHERE n.namespace = s.namespace AND n.notification_id = s.notification_id
        AND n.machine_id = s.machine_id AND s.due_at_us IS NOT NULL`,
    values: [
      settled.map((settle) => settle.lease.namespace),
      settled.map((settle) => settle.lease.machineId),
      settled.map((settle) => settle.lease.epoch),
      settled.map((settle) => settle.id),
      settled.map((settle) => retry(settle)?.dueAtUs ?? null),
      settled.map((settle) => retry(settle)?.attempt ?? null),
      settled.map((settle) => retry(settle)?.firstFailedAtUs ?? null),
      settled.map((settle) => diagnosticText(retry(settle)?.lastError ?? null)),
    ],
  };
}

/** A removed machine's notifications; runs after its machine row is deleted (see insertNotification). */
export function deleteMachineNotifications(
  schema: QuotedSchemaName,
  leases: readonly Lease[],
): pg.QueryConfig {
  return {
    name: "ratchet_delete_machine_notifications",
    text: `DELETE FROM ${schema}.notifications n
      USING unnest($1::text[], $2::text[], $3::bigint[]) AS s(namespace, machine_id, epoch)
      WHERE n.namespace = s.namespace AND n.machine_id = s.machine_id
        AND EXISTS (SELECT 1 FROM ${schema}.leases l
          WHERE l.namespace = s.namespace AND l.machine_id = s.machine_id AND l.epoch = s.epoch)`,
    values: [
      leases.map((lease) => lease.namespace),
      leases.map((lease) => lease.machineId),
      leases.map((lease) => lease.epoch),
    ],
  };
}

/** The notifications of one machine that wait for delivery, in the order they are due. */
export function listNotifications(
  schema: QuotedSchemaName,
  options: { namespace: string; machineId: string },
): pg.QueryConfig {
  return {
    name: "ratchet_list_notifications",
    text: `SELECT namespace, notification_id, machine_id, args, range, context, created_at_us, due_at_us, attempt,
        first_failed_at_us, last_error
      FROM ${schema}.notifications WHERE namespace = $1::text AND machine_id = $2::text
      ORDER BY due_at_us, notification_id`,
    values: [options.namespace, options.machineId],
  };
}
