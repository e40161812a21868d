/**
 * Timer claims: one statement finds the due timers of the node's namespaces, locks their machine rows with FOR
 * UPDATE SKIP LOCKED (a row another claimer or an in-flight commit holds is skipped, never waited for), and
 * takes their leases with new epochs (claim-leases.ts). Also the scheduler's estimate of when work is next due.
 */
import type pg from "pg";
import type { ClaimOptions } from "../../machine-store.js";
import type { QuotedSchemaName } from "../schema-name.js";
import { noLiveLease, takeLeasesOfChosen } from "./claim-leases.js";
import { machineColumnsOf } from "./machines.js";

/**
 * Machines of the node's namespaces whose timer is due (a timer retry is the timer of a retried step; failed
 * machines have no due time) and whose lease is free.
 */
export function claimDueTimers(schema: QuotedSchemaName, options: ClaimOptions): pg.QueryConfig {
  return {
    name: "ratchet_claim_due_timers",
    text: `WITH chosen AS (
        SELECT ${machineColumnsOf("m")} FROM ${schema}.machines m
        WHERE m.due_at_us <= $1::bigint AND m.namespace = ANY($5::text[]) AND ${noLiveLease(schema, "m")}
        ORDER BY m.due_at_us
        LIMIT $4::bigint
        FOR UPDATE OF m SKIP LOCKED
      ), ${takeLeasesOfChosen(schema)}
      SELECT ${machineColumnsOf("c")}, t.epoch, t.previous_owner FROM chosen c
      JOIN taken t ON t.namespace = c.namespace AND t.machine_id = c.machine_id
      ORDER BY c.due_at_us`,
    values: [options.nowUs, options.owner, options.untilUs, options.limit, options.namespaces],
  };
}

/**
 * The earliest instant a claim could find work: due time, or the lease expiry if later. Looks at the
 * `candidateLimit` earliest due machines and notifications only: a wake-up estimate, not a claim.
 */
export function nextDueAtUs(
  schema: QuotedSchemaName,
  options: { candidateLimit: number; namespaces: readonly string[] },
): pg.QueryConfig {
  const earliestOf = (due: string) => `SELECT min(GREATEST(d.due_at_us, l.expires_at_us)) FROM (${due}) d
    LEFT JOIN ${schema}.leases l ON l.namespace = d.namespace AND l.machine_id = d.machine_id`;
  return {
    name: "ratchet_next_due_at_us",
    text: `SELECT LEAST((${earliestOf(`SELECT namespace, machine_id, due_at_us FROM ${schema}.machines
          WHERE due_at_us IS NOT NULL AND namespace = ANY($2::text[]) ORDER BY due_at_us LIMIT $1::bigint`)}),
        (${earliestOf(`SELECT n.namespace, n.machine_id, n.due_at_us FROM ${schema}.notifications n
          JOIN ${schema}.machines m ON m.namespace = n.namespace AND m.machine_id = n.machine_id
          WHERE m.status NOT IN ('failed', 'paused') AND n.namespace = ANY($2::text[]) ORDER BY n.due_at_us LIMIT $1::bigint`)})) AS due_at_us`,
    values: [options.candidateLimit, options.namespaces],
  };
}
