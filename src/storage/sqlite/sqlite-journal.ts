/**
 * The step journal on SQLite: pages per machine, windows per namespace, and bounded pruning. Steps write their
 * entries to `steps_recent` in insertion order (a group commit of 64 machines' steps then appends to a page or two,
 * where `steps`, kept per machine, would take a page per machine: that was a third of the chain's CPU per step);
 * once enough have gathered they are moved into `steps` in one batch, in its order, on a turn of their own.
 */
import type { JournalEntry } from "../../core/journal.js";
import { type StepRow, stepFromRow } from "../rows.js";
import * as steps from "./sql/steps.js";
import type { SqliteDatabase } from "./sqlite-database.js";

/** Recent entries gathered before a move: a move's cost is about one page per machine, whatever the count. */
const MOVE_AFTER_ENTRIES = 4096;

export class SqliteJournal {
  #recent: number;
  #moveScheduled = false;

  constructor(
    private readonly database: SqliteDatabase,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    const row = database.db.prepare("SELECT count(*) AS count FROM steps_recent").get() as { count: number };
    this.#recent = row.count;
  }

  /** A commit wrote `count` entries; a move is scheduled once enough have gathered. */
  written(count: number): void {
    this.#recent += count;
    if (this.#recent < MOVE_AFTER_ENTRIES || this.#moveScheduled) return;
    this.#moveScheduled = true;
    setImmediate(() => {
      this.moveRecent()
        .catch(this.onError)
        .finally(() => {
          this.#moveScheduled = false;
        });
    });
  }

  /** Moves every recent entry into `steps`; returns how many. */
  async moveRecent(): Promise<number> {
    return this.database.write(() => {
      const { last } = this.database.statement(steps.LAST_RECENT_ROWID).get() as { last: number | null };
      if (last === null) return 0;
      const moved = this.database.statement(steps.MOVE_RECENT_STEPS).run(last).changes;
      this.database.statement(steps.DELETE_MOVED_STEPS).run(last);
      this.#recent = Math.max(0, this.#recent - moved);
      return moved;
    });
  }

  async listSteps(
    namespace: string,
    machineId: string,
    options: { after: number; limit: number; direction: "forward" | "backward" },
  ): Promise<JournalEntry[]> {
    const text = options.direction === "forward" ? steps.LIST_STEPS_FORWARD : steps.LIST_STEPS_BACKWARD;
    const rows = this.database.read(() =>
      this.database.statement(text).all({ namespace, machineId, after: options.after, limit: options.limit }),
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
    await this.moveRecent(); // pruning by count reads `steps` only
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
