/**
 * The bulk store on SQLite. The runner's writes match the run's lease owner and epoch in their WHERE clause and
 * check the row count, inside the turn's one transaction, so a node that lost a run records nothing.
 */
import type { BulkRunStatus } from "../../core/bulk.js";
import { BulkRunLeaseLostError } from "../../core/errors.js";
import {
  type BulkOutcomeRow,
  type BulkRunRow,
  bulkOutcomeFromRow,
  bulkRunFromRow,
  newBulkRunToRow,
  outcomeCounts,
} from "../bulk-rows.js";
import type { BulkOutcome, BulkRun, BulkRunLease, BulkStore, NewBulkRun } from "../bulk-store.js";
import * as bulk from "./sql/bulk-runs.js";
import type { SqliteDatabase } from "./sqlite-database.js";

const fenceOf = (lease: BulkRunLease) => ({ run_id: lease.runId, owner: lease.owner, epoch: lease.epoch });

export class SqliteBulk implements BulkStore {
  constructor(private readonly database: SqliteDatabase) {}

  async createBulkRun(run: NewBulkRun): Promise<BulkRun> {
    return this.database.write(() =>
      bulkRunFromRow(this.database.statement(bulk.INSERT_BULK_RUN).get(newBulkRunToRow(run)) as BulkRunRow),
    );
  }

  async readBulkRun(id: string): Promise<BulkRun | null> {
    const row = this.database.read(() => this.database.statement(bulk.READ_BULK_RUN).get(id)) as
      | BulkRunRow
      | undefined;
    return row === undefined ? null : bulkRunFromRow(row);
  }

  async listBulkRuns(namespace: string, options: { limit: number }): Promise<BulkRun[]> {
    const rows = this.database.read(() =>
      this.database.statement(bulk.LIST_BULK_RUNS).all(namespace, options.limit),
    ) as BulkRunRow[];
    return rows.map(bulkRunFromRow);
  }

  async listBulkOutcomes(
    runId: string,
    options: { afterMachineId?: string; limit: number },
  ): Promise<BulkOutcome[]> {
    const rows = this.database.read(() =>
      this.database
        .statement(bulk.LIST_BULK_OUTCOMES)
        .all({ run_id: runId, after: options.afterMachineId ?? null, limit: options.limit }),
    ) as BulkOutcomeRow[];
    return rows.map(bulkOutcomeFromRow);
  }

  async cancelBulkRun(id: string, nowUs: number): Promise<BulkRun | null> {
    return this.database.write(() => {
      this.database.statement(bulk.CANCEL_BULK_RUN).run(nowUs, id);
      const row = this.database.statement(bulk.READ_BULK_RUN).get(id) as BulkRunRow | undefined;
      return row === undefined ? null : bulkRunFromRow(row);
    });
  }

  async claimBulkRun(options: {
    namespaces: readonly string[];
    owner: string;
    nowUs: number;
    untilUs: number;
  }) {
    return this.database.write(() => {
      const free = this.database
        .statement(bulk.FIND_CLAIMABLE_BULK_RUN)
        .get(options.nowUs, JSON.stringify(options.namespaces)) as { id: string } | undefined;
      if (free === undefined) return null;
      const row = this.database
        .statement(bulk.TAKE_BULK_RUN)
        .get(options.owner, options.untilUs, free.id) as BulkRunRow;
      const lease: BulkRunLease = { runId: row.id, owner: options.owner, epoch: row.lease_epoch };
      return { run: bulkRunFromRow(row), lease };
    });
  }

  async beginBulkMachine(
    lease: BulkRunLease,
    options: { machineId: string; untilUs: number },
  ): Promise<BulkRunStatus> {
    return this.database.write(() => {
      const row = this.database
        .statement(bulk.BEGIN_BULK_MACHINE)
        .get({ ...fenceOf(lease), machine_id: options.machineId, until_us: options.untilUs }) as
        | { status: BulkRunStatus }
        | undefined;
      if (row === undefined) throw new BulkRunLeaseLostError(lease.runId);
      return row.status;
    });
  }

  async recordBulkOutcome(lease: BulkRunLease, options: { outcome: BulkOutcome; untilUs: number }) {
    const { outcome } = options;
    await this.database.write(() => {
      const advanced = this.database.statement(bulk.ADVANCE_BULK_RUN).run({
        ...fenceOf(lease),
        ...outcomeCounts(outcome.outcome),
        machine_id: outcome.machineId,
        at_us: outcome.atUs,
        until_us: options.untilUs,
      });
      if (advanced.changes === 0) throw new BulkRunLeaseLostError(lease.runId);
      this.database.statement(bulk.INSERT_BULK_OUTCOME).run({
        run_id: lease.runId,
        machine_id: outcome.machineId,
        outcome: outcome.outcome,
        error_code: outcome.errorCode,
        detail: outcome.detail,
        at_us: outcome.atUs,
      });
    });
  }

  async renewBulkRun(lease: BulkRunLease, untilUs: number): Promise<BulkRunStatus> {
    return this.database.write(() => {
      const row = this.database
        .statement(bulk.RENEW_BULK_RUN)
        .get({ ...fenceOf(lease), until_us: untilUs }) as { status: BulkRunStatus } | undefined;
      if (row === undefined) throw new BulkRunLeaseLostError(lease.runId);
      return row.status;
    });
  }

  async releaseBulkRun(lease: BulkRunLease, options: { done: boolean; nowUs: number }): Promise<void> {
    await this.database.write(() => {
      const released = this.database
        .statement(bulk.RELEASE_BULK_RUN)
        .run({ ...fenceOf(lease), done: options.done ? 1 : 0, now_us: options.nowUs });
      if (released.changes === 0) throw new BulkRunLeaseLostError(lease.runId);
    });
  }
}
