/**
 * Machine search: the statement for a search's filters, built from fixed fragments (values always bound), each
 * backed by an index of migration 0004 or the primary key; and the status counts, each capped.
 */
import { prefixUpperBound } from "../../id-prefix.js";
import { type MachineSearch, WORKING_STATUSES } from "../../operator-queries.js";

export function searchMachines(
  namespace: string,
  search: MachineSearch,
): { text: string; values: (string | number)[] } {
  const where = ["namespace = ?"];
  const values: (string | number)[] = [namespace];
  if (search.status === "working") {
    where.push(`status IN (${WORKING_STATUSES.map(() => "?").join(", ")})`);
    values.push(...WORKING_STATUSES);
  } else if (search.status !== undefined) {
    where.push("status = ?");
    values.push(search.status);
  }
  if (search.idPrefix !== undefined && search.idPrefix !== "") {
    where.push("machine_id >= ?");
    values.push(search.idPrefix);
    const upper = prefixUpperBound(search.idPrefix);
    if (upper !== null) {
      where.push("machine_id < ?");
      values.push(upper);
    }
  }
  if (search.timerDueBeforeUs !== undefined) {
    where.push("timer_due_at_us IS NOT NULL AND timer_due_at_us < ?");
    values.push(search.timerDueBeforeUs);
  }
  if (search.updatedSinceUs !== undefined) {
    where.push("updated_at_us >= ?");
    values.push(search.updatedSinceUs);
  }
  if (search.afterId !== undefined) {
    where.push("machine_id > ?");
    values.push(search.afterId);
  }
  values.push(search.limit);
  return {
    text: `SELECT * FROM machines WHERE ${where.join(" AND ")} ORDER BY machine_id LIMIT ?`,
    values,
  };
}

/** Each status counted over at most @cap index entries. */
export const COUNT_MACHINES_BY_STATUS = `SELECT
  (SELECT count(*) FROM (SELECT 1 FROM machines WHERE namespace = @namespace AND status = 'idle' LIMIT @cap)) AS idle,
  (SELECT count(*) FROM (SELECT 1 FROM machines WHERE namespace = @namespace AND status = 'waiting' LIMIT @cap)) AS waiting,
  (SELECT count(*) FROM (SELECT 1 FROM machines WHERE namespace = @namespace AND status = 'retrying' LIMIT @cap)) AS retrying,
  (SELECT count(*) FROM (SELECT 1 FROM machines WHERE namespace = @namespace AND status = 'paused' LIMIT @cap)) AS paused,
  (SELECT count(*) FROM (SELECT 1 FROM machines WHERE namespace = @namespace AND status = 'failed' LIMIT @cap)) AS failed`;
