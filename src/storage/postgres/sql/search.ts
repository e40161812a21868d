/**
 * Machine search: the statement for a search's filters, built from fixed fragments (values always bound, so
 * each combination of filters is planned for its own shape), each backed by an index of migration 0004 or the
 * primary key; and the status counts, each a scan of the status index (ordered by its key, so a common status is
 * not read by a sequential scan that the cap would stop early) capped at a number of entries.
 */
import type pg from "pg";
import { MACHINE_STATUSES } from "../../../core/machine.js";
import { prefixUpperBound } from "../../id-prefix.js";
import { type MachineSearch, WORKING_STATUSES } from "../../operator-queries.js";
import type { QuotedSchemaName } from "../schema-name.js";
import { MACHINE_COLUMNS } from "./machines.js";

export function searchMachines(
  schema: QuotedSchemaName,
  namespace: string,
  search: MachineSearch,
): pg.QueryConfig {
  const values: unknown[] = [namespace];
  const bind = (value: unknown, type: string) => {
    values.push(value);
    return `$${values.length}::${type}`;
  };
  const where = ["namespace = $1::text"];
  if (search.status === "working") where.push(`status = ANY(${bind(WORKING_STATUSES, "text[]")})`);
  else if (search.status !== undefined) where.push(`status = ${bind(search.status, "text")}`);
  if (search.idPrefix !== undefined && search.idPrefix !== "") {
    where.push(`machine_id >= ${bind(search.idPrefix, "text")}`);
    const upper = prefixUpperBound(search.idPrefix);
    if (upper !== null) where.push(`machine_id < ${bind(upper, "text")}`);
  }
  if (search.timerDueBeforeUs !== undefined) {
    where.push(`timer_due_at_us < ${bind(search.timerDueBeforeUs, "bigint")}`);
  }
  if (search.updatedSinceUs !== undefined) {
    where.push(`updated_at_us >= ${bind(search.updatedSinceUs, "bigint")}`);
  }
  if (search.afterId !== undefined) where.push(`machine_id > ${bind(search.afterId, "text")}`);
  const limit = bind(search.limit, "bigint");
  return {
    text: `SELECT ${MACHINE_COLUMNS} FROM ${schema}.machines WHERE ${where.join(" AND ")}
      ORDER BY machine_id LIMIT ${limit}`,
    values,
  };
}

export function countMachinesByStatus(
  schema: QuotedSchemaName,
  options: { namespace: string; capPerStatus: number },
): pg.QueryConfig {
  const capped = (status: string) => `(SELECT count(*) FROM (SELECT 1 FROM ${schema}.machines
    WHERE namespace = $1::text AND status = '${status}' ORDER BY machine_id LIMIT $2::bigint) s)::integer AS ${status}`;
  return {
    name: "ratchet_count_machines_by_status",
    text: `SELECT ${MACHINE_STATUSES.map(capped).join(", ")}`,
    values: [options.namespace, options.capPerStatus],
  };
}
