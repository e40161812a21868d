/**
 * The step journal: entries inserted with their step's commit (the batch's lease rows are locked by then, so the
 * fence is the batch's), read by page per machine or by window per namespace (for the flow), and pruned by age
 * and by count in bounded batches, off the hot path.
 */
import type pg from "pg";
import type { StepRow } from "../../rows.js";
import type { QuotedSchemaName } from "../schema-name.js";

const STEP_COLUMNS = `step_number, kind, name, processor, attempt, started_at_us, ended_at_us, outcome, error_class,
  error_text, events_appended`;

export function insertSteps(schema: QuotedSchemaName, rows: readonly StepRow[]): pg.QueryConfig {
  const column = <K extends keyof StepRow>(key: K) => rows.map((row) => row[key]);
  return {
    name: "ratchet_insert_steps",
    text: `INSERT INTO ${schema}.steps (namespace, machine_id, ${STEP_COLUMNS})
      SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::integer[],
        $8::bigint[], $9::bigint[], $10::text[], $11::text[], $12::text[], $13::integer[])`,
    values: [
      column("namespace"),
      column("machine_id"),
      column("step_number"),
      column("kind"),
      column("name"),
      column("processor"),
      column("attempt"),
      column("started_at_us"),
      column("ended_at_us"),
      column("outcome"),
      column("error_class"),
      column("error_text"),
      column("events_appended"),
    ],
  };
}

/** A page of one machine's journal after (or, backward, before) a step number. */
export function listSteps(
  schema: QuotedSchemaName,
  options: { namespace: string; machineId: string; after: number; limit: number; forward: boolean },
): pg.QueryConfig {
  return {
    name: options.forward ? "ratchet_list_steps_forward" : "ratchet_list_steps_backward",
    text: `SELECT ${STEP_COLUMNS} FROM ${schema}.steps
      WHERE namespace = $1::text AND machine_id = $2::text
        AND step_number ${options.forward ? ">" : "<"} $3::bigint
      ORDER BY step_number ${options.forward ? "ASC" : "DESC"} LIMIT $4::integer`,
    values: [options.namespace, options.machineId, options.after, options.limit],
  };
}

/** Every entry of a namespace that ended in a window, by machine and step: what the flow is folded from. */
export function readJournalWindow(
  schema: QuotedSchemaName,
  options: { namespace: string; sinceUs: number; untilUs: number; limit: number },
): pg.QueryConfig {
  return {
    name: "ratchet_read_journal_window",
    text: `SELECT machine_id, ${STEP_COLUMNS} FROM ${schema}.steps
      WHERE namespace = $1::text AND ended_at_us >= $2::bigint AND ended_at_us < $3::bigint
      ORDER BY machine_id, step_number LIMIT $4::integer`,
    values: [options.namespace, options.sinceUs, options.untilUs, options.limit],
  };
}

/** Deletes up to `limit` entries that ended before an instant. */
export function pruneStepsByAge(
  schema: QuotedSchemaName,
  options: { namespace: string; endedBeforeUs: number; limit: number },
): pg.QueryConfig {
  return {
    name: "ratchet_prune_steps_by_age",
    text: `DELETE FROM ${schema}.steps s USING (
        SELECT machine_id, step_number FROM ${schema}.steps
        WHERE namespace = $1::text AND ended_at_us < $2::bigint LIMIT $3::integer
      ) old
      WHERE s.namespace = $1::text AND s.machine_id = old.machine_id AND s.step_number = old.step_number`,
    values: [options.namespace, options.endedBeforeUs, options.limit],
  };
}

/**
 * Deletes up to `limit` entries that fall out of a machine's last `keep`, among machines updated since an instant
 * (the others cannot have grown since the last pruning).
 */
export function pruneStepsByCount(
  schema: QuotedSchemaName,
  options: { namespace: string; keep: number; updatedSinceUs: number; limit: number },
): pg.QueryConfig {
  return {
    name: "ratchet_prune_steps_by_count",
    text: `DELETE FROM ${schema}.steps s USING (
        SELECT st.machine_id, st.step_number FROM ${schema}.machines m
        JOIN ${schema}.steps st ON st.namespace = m.namespace AND st.machine_id = m.machine_id
          AND st.step_number <= m.last_step_number - $2::bigint
        WHERE m.namespace = $1::text AND m.updated_at_us >= $3::bigint AND m.last_step_number > $2::bigint
        LIMIT $4::integer
      ) old
      WHERE s.namespace = $1::text AND s.machine_id = old.machine_id AND s.step_number = old.step_number`,
    values: [options.namespace, options.keep, options.updatedSinceUs, options.limit],
  };
}

/** A removed machine's journal goes with it. */
export function deleteMachineSteps(
  schema: QuotedSchemaName,
  leases: readonly { namespace: string; machineId: string }[],
): pg.QueryConfig {
  return {
    name: "ratchet_delete_machine_steps",
    text: `DELETE FROM ${schema}.steps s USING unnest($1::text[], $2::text[]) AS r(namespace, machine_id)
      WHERE s.namespace = r.namespace AND s.machine_id = r.machine_id`,
    values: [leases.map((lease) => lease.namespace), leases.map((lease) => lease.machineId)],
  };
}
