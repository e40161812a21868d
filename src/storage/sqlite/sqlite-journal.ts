/** The step journal on SQLite: pages per machine, windows per namespace, and bounded pruning. */
import type { JournalEntry } from "../../core/journal.js";
import { type StepRow, stepFromRow } from "../rows.js";
import * as steps from "./sql/steps.js";
import type { SqliteDatabase } from "./sqlite-database.js";

export class SqliteJournal {
  constructor(private readonly database: SqliteDatabase) {}

  async listSteps(
    namespace: string,
    machineId: string,
    options: { after: number; limit: number; direction: "forward" | "backward" },
  ): Promise<JournalEntry[]> {
    const text = options.direction === "forward" ? steps.LIST_STEPS_FORWARD : steps.LIST_STEPS_BACKWARD;
    const rows = this.database.read(() =>
      this.database.statement(text).all(namespace, machineId, options.after, options.limit),
    ) as StepRow[];
    return rows.map(stepFromRow);
  }

  async readJournalWindow(
    namespace: string,
    options: { sinceUs: number; untilUs: number; limit: number },
  ): Promise<{ machineId: string; entry: JournalEntry }[]> {
    const rows = this.database.read(() =>
      this.database.statement(steps.READ_JOURNAL_WINDOW).all({
        namespace,
        since: options.sinceUs,
        until: options.untilUs,
        limit: options.limit,
      }),
    ) as StepRow[];
    return rows.map((row) => ({ machineId: row.machine_id, entry: stepFromRow(row) }));
  }

  async pruneJournal(options: {
    namespace: string;
    endedBeforeUs: number;
    keepPerMachine: number;
    updatedSinceUs: number;
    limit: number;
  }): Promise<number> {
    return this.database.write(() => {
      const { namespace, limit } = options;
      const byAge = this.database
        .statement(steps.PRUNE_STEPS_BY_AGE)
        .run({ namespace, before: options.endedBeforeUs, limit }).changes;
      if (byAge >= limit) return byAge;
      const byCount = this.database.statement(steps.PRUNE_STEPS_BY_COUNT).run({
        namespace,
        keep: options.keepPerMachine,
        since: options.updatedSinceUs,
        limit: limit - byAge,
      }).changes;
      return byAge + byCount;
    });
  }
}
