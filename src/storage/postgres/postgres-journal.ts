/** The step journal on PostgreSQL: pages per machine, windows per namespace, and bounded pruning. */
import type pg from "pg";
import type { JournalEntry } from "../../core/journal.js";
import { type StepRow, stepFromRow } from "../rows.js";
import { withClient } from "./pool.js";
import type { QuotedSchemaName } from "./schema-name.js";
import * as steps from "./sql/steps.js";

export class PostgresJournal {
  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: QuotedSchemaName,
  ) {}

  async listSteps(
    namespace: string,
    machineId: string,
    options: { after: number; limit: number; direction: "forward" | "backward" },
  ): Promise<JournalEntry[]> {
    const forward = options.direction === "forward";
    const result = await withClient(this.pool, (client) =>
      client.query<StepRow>(
        steps.listSteps(this.schema, {
          namespace,
          machineId,
          after: options.after,
          limit: options.limit,
          forward,
        }),
      ),
    );
    return result.rows.map(stepFromRow);
  }

  async readJournalWindow(
    namespace: string,
    options: { sinceUs: number; untilUs: number; limit: number },
  ): Promise<{ machineId: string; entry: JournalEntry }[]> {
    const result = await withClient(this.pool, (client) =>
      client.query<StepRow>(steps.readJournalWindow(this.schema, { namespace, ...options })),
    );
    return result.rows.map((row) => ({ machineId: row.machine_id, entry: stepFromRow(row) }));
  }

  async pruneJournal(options: {
    namespace: string;
    endedBeforeUs: number;
    keepPerMachine: number;
    updatedSinceUs: number;
    limit: number;
  }): Promise<number> {
    const { namespace, limit } = options;
    return withClient(this.pool, async (client) => {
      const byAge = await client.query(
        steps.pruneStepsByAge(this.schema, { namespace, endedBeforeUs: options.endedBeforeUs, limit }),
      );
      const left = limit - (byAge.rowCount ?? 0);
      if (left <= 0) return byAge.rowCount ?? 0;
      const byCount = await client.query(
        steps.pruneStepsByCount(this.schema, {
          namespace,
          keep: options.keepPerMachine,
          updatedSinceUs: options.updatedSinceUs,
          limit: left,
        }),
      );
      return (byAge.rowCount ?? 0) + (byCount.rowCount ?? 0);
    });
  }
}
