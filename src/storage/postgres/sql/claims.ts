/**
 * Claims: one statement finds due work, locks it with FOR UPDATE SKIP LOCKED (a row another claimer or an
 * in-flight commit holds is skipped, never waited for), and takes the machines' leases with new epochs.
 *
 * Locks are taken machine row first, then lease row, and a claim never waits on a lease row: an existing one
 * is locked with SKIP LOCKED, a missing one is inserted with ON CONFLICT DO NOTHING. A commit locks the lease
 * row and then writes the machine row; were a claim to wait on that lease row while holding the machine
 * row, the two would deadlock. A locked row is re-read at its latest version, so the records returned are
 * those the new leases fence.
 */
import type pg from "pg";
import type { ClaimOptions } from "../../storage.js";
import type { QuotedSchemaName } from "../schema-name.js";
import { machineColumnsOf } from "./machines.js";

/**
 * Lease-taking CTEs over a CTE `chosen` (namespace, machine_id); yields `taken` (namespace, machine_id,
 * epoch). Parameters: $1 now, $2 owner, $3 lease expiry.
 */
function takeLeasesOfChosen(schema: QuotedSchemaName): string {
  return `expired AS (
      SELECT l.namespace, l.machine_id FROM ${schema}.leases l
      JOIN chosen c ON l.namespace = c.namespace AND l.machine_id = c.machine_id
      WHERE l.expires_at_us <= $1::bigint
      FOR UPDATE OF l SKIP LOCKED
    ), taken_over AS (
      UPDATE ${schema}.leases l SET owner = $2::text, epoch = DEFAULT, expires_at_us = $3::bigint
      FROM expired e
      WHERE l.namespace = e.namespace AND l.machine_id = e.machine_id AND l.expires_at_us <= $1::bigint
      RETURNING l.namespace, l.machine_id, l.epoch
    ), inserted AS (
      INSERT INTO ${schema}.leases (namespace, machine_id, owner, expires_at_us)
      SELECT c.namespace, c.machine_id, $2::text, $3::bigint FROM chosen c
      WHERE NOT EXISTS (SELECT 1 FROM ${schema}.leases l
        WHERE l.namespace = c.namespace AND l.machine_id = c.machine_id)
      ON CONFLICT (namespace, machine_id) DO NOTHING
      RETURNING namespace, machine_id, epoch
    ), taken AS (
      SELECT * FROM taken_over UNION ALL SELECT * FROM inserted
    )`;
}

function noLiveLease(schema: QuotedSchemaName, alias: string): string {
  return `NOT EXISTS (SELECT 1 FROM ${schema}.leases l
    WHERE l.namespace = ${alias}.namespace AND l.machine_id = ${alias}.machine_id AND l.expires_at_us > $1::bigint)`;
}

/** Machines whose timer or retry is due (failed machines have no due time) and whose lease is free. */
export function claimDueMachines(schema: QuotedSchemaName, options: ClaimOptions): pg.QueryConfig {
  return {
    name: "ratchet_claim_due_machines",
    text: `WITH chosen AS (
        SELECT ${machineColumnsOf("m")} FROM ${schema}.machines m
        WHERE m.due_at_us <= $1::bigint AND ${noLiveLease(schema, "m")}
        ORDER BY m.due_at_us
        LIMIT $4::bigint
        FOR UPDATE OF m SKIP LOCKED
      ), ${takeLeasesOfChosen(schema)}
      SELECT ${machineColumnsOf("c")}, t.epoch FROM chosen c
      JOIN taken t ON t.namespace = c.namespace AND t.machine_id = c.machine_id
      ORDER BY c.due_at_us`,
    values: [options.nowUs, options.owner, options.untilUs, options.limit],
  };
}

/**
 * The earliest due notification of each machine that is not failed and not leased. Candidates are taken
 * `candidateLimit` at a time in due order, so a machine with a long backlog cannot fill a claim by itself.
 */
export function claimDueNotifications(
  schema: QuotedSchemaName,
  options: ClaimOptions & { candidateLimit: number },
): pg.QueryConfig {
  return {
    name: "ratchet_claim_due_notifications",
    text: `WITH candidate AS (
        SELECT ${machineColumnsOf("m")}, n.notification_id, n.args, n.range, n.context,
          n.created_at_us AS notification_created_at_us, n.due_at_us AS notification_due_at_us, n.attempt,
          n.first_failed_at_us, n.last_error
        FROM ${schema}.notifications n
        JOIN ${schema}.machines m ON m.namespace = n.namespace AND m.machine_id = n.machine_id
        WHERE n.due_at_us <= $1::bigint AND m.status <> 'failed' AND ${noLiveLease(schema, "m")}
        ORDER BY n.due_at_us
        LIMIT $5::bigint
        FOR UPDATE OF n, m SKIP LOCKED
      ), chosen AS (
        SELECT * FROM (
          SELECT DISTINCT ON (namespace, machine_id) * FROM candidate
          ORDER BY namespace, machine_id, notification_due_at_us, notification_id
        ) first_of_machine
        ORDER BY notification_due_at_us
        LIMIT $4::bigint
      ), ${takeLeasesOfChosen(schema)}
      SELECT c.*, t.epoch FROM chosen c
      JOIN taken t ON t.namespace = c.namespace AND t.machine_id = c.machine_id
      ORDER BY c.notification_due_at_us`,
    values: [options.nowUs, options.owner, options.untilUs, options.limit, options.candidateLimit],
  };
}

/**
 * The earliest instant a claim could find work: due time, or the lease expiry if later. Looks at the
 * `candidateLimit` earliest due machines and notifications only: a wake-up estimate, not a claim.
 */
export function nextDueAtUs(schema: QuotedSchemaName, candidateLimit: number): pg.QueryConfig {
  const earliestOf = (due: string) => `SELECT min(GREATEST(d.due_at_us, l.expires_at_us)) FROM (${due}) d
    LEFT JOIN ${schema}.leases l ON l.namespace = d.namespace AND l.machine_id = d.machine_id`;
  return {
    name: "ratchet_next_due_at_us",
    text: `SELECT LEAST((${earliestOf(`SELECT namespace, machine_id, due_at_us FROM ${schema}.machines
          WHERE due_at_us IS NOT NULL ORDER BY due_at_us LIMIT $1::bigint`)}),
        (${earliestOf(`SELECT n.namespace, n.machine_id, n.due_at_us FROM ${schema}.notifications n
          JOIN ${schema}.machines m ON m.namespace = n.namespace AND m.machine_id = n.machine_id
          WHERE m.status <> 'failed' ORDER BY n.due_at_us LIMIT $1::bigint`)})) AS due_at_us`,
    values: [candidateLimit],
  };
}
