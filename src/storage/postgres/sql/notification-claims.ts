/**
 * Notification claims: the earliest due notification of each machine of the node's namespaces that is not
 * failed and not leased, locked with SKIP LOCKED like timer claims, with the machines' leases taken.
 */
import type pg from "pg";
import type { ClaimOptions } from "../../machine-store.js";
import type { QuotedSchemaName } from "../schema-name.js";
import { noLiveLease, takeLeasesOfChosen } from "./claim-leases.js";
import { machineColumnsOf } from "./machines.js";

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
        WHERE n.due_at_us <= $1::bigint AND n.namespace = ANY($6::text[]) AND m.status NOT IN ('failed', 'paused')
          AND ${noLiveLease(schema, "m")}
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
      SELECT c.*, t.epoch, t.previous_owner FROM chosen c
      JOIN taken t ON t.namespace = c.namespace AND t.machine_id = c.machine_id
      ORDER BY c.notification_due_at_us`,
    values: [
      options.nowUs,
      options.owner,
      options.untilUs,
      options.limit,
      options.candidateLimit,
      options.namespaces,
    ],
  };
}
