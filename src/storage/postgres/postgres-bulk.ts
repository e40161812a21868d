/**
 * The bulk store on PostgreSQL: one statement, one round trip, per method; the runner's writes are fenced by the
 * run's lease in the statement and checked by their row count.
 */
import type pg from "pg";
import type { BulkRunStatus } from "../../core/bulk.js";
import { BulkRunLeaseLostError } from "../../core/errors.js";
import {
  type BulkOutcomeRow,
  type BulkRunRow,
  bulkOutcomeFromRow,
  bulkRunFromRow,
  outcomeCounts,
} from "../bulk-rows.js";
import type { BulkOutcome, BulkRun, BulkRunLease, BulkStore, NewBulkRun } from "../bulk-store.js";
import { withClient } from "./pool.js";
import type { QuotedSchemaName } from "./schema-name.js";
import * as bulk from "./sql/bulk-runs.js";

export class PostgresBulk implements BulkStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: QuotedSchemaName,
  ) {}

  #query<Row extends pg.QueryResultRow>(query: pg.QueryConfig): Promise<pg.QueryResult<Row>> {
    return withClient(this.pool, (client) => client.query<Row>(query));
  }

  /** A write whose connection is lost in flight is result unknown (withClient's `write`). */
  #write<Row extends pg.QueryResultRow>(query: pg.QueryConfig): Promise<pg.QueryResult<Row>> {
    return withClient(this.pool, (client) => client.query<Row>(query), { write: true });
  }

  async createBulkRun(run: NewBulkRun): Promise<BulkRun> {
    const result = await this.#write<BulkRunRow>(bulk.insertBulkRun(this.schema, run));
    return bulkRunFromRow(result.rows[0] as BulkRunRow);
  }

  async readBulkRun(id: string): Promise<BulkRun | null> {
    const row = (await this.#query<BulkRunRow>(bulk.readBulkRun(this.schema, id))).rows[0];
    return row === undefined ? null : bulkRunFromRow(row);
  }

  async listBulkRuns(namespace: string, options: { limit: number }): Promise<BulkRun[]> {
    const result = await this.#query<BulkRunRow>(bulk.listBulkRuns(this.schema, namespace, options.limit));
    return result.rows.map(bulkRunFromRow);
  }

  async listBulkOutcomes(
    runId: string,
    options: { afterMachineId?: string; limit: number },
  ): Promise<BulkOutcome[]> {
    const result = await this.#query<BulkOutcomeRow>(
      bulk.listBulkOutcomes(this.schema, {
        runId,
        afterMachineId: options.afterMachineId ?? null,
        limit: options.limit,
      }),
    );
    return result.rows.map(bulkOutcomeFromRow);
  }

  async cancelBulkRun(id: string, nowUs: number): Promise<BulkRun | null> {
    const row = (await this.#write<BulkRunRow>(bulk.cancelBulkRun(this.schema, id, nowUs))).rows[0];
    return row === undefined ? null : bulkRunFromRow(row);
  }

  async claimBulkRun(options: {
    namespaces: readonly string[];
    owner: string;
    nowUs: number;
    untilUs: number;
  }) {
    const row = (await this.#write<BulkRunRow>(bulk.claimBulkRun(this.schema, options))).rows[0];
    if (row === undefined) return null;
    const lease: BulkRunLease = { runId: row.id, owner: options.owner, epoch: row.lease_epoch };
    return { run: bulkRunFromRow(row), lease };
  }

  async beginBulkMachine(
    lease: BulkRunLease,
    options: { machineId: string; untilUs: number },
  ): Promise<BulkRunStatus> {
    const result = await this.#write<{ status: BulkRunStatus }>(
      bulk.beginBulkMachine(this.schema, lease, options),
    );
    const row = result.rows[0];
    if (row === undefined) throw new BulkRunLeaseLostError(lease.runId);
    return row.status;
  }

  async recordBulkOutcome(lease: BulkRunLease, options: { outcome: BulkOutcome; untilUs: number }) {
    const counts = outcomeCounts(options.outcome.outcome);
    const result = await this.#write(bulk.recordBulkOutcome(this.schema, lease, { ...options, counts }));
    if (result.rowCount !== 1) throw new BulkRunLeaseLostError(lease.runId);
  }

  async renewBulkRun(lease: BulkRunLease, untilUs: number): Promise<BulkRunStatus> {
    const result = await this.#write<{ status: BulkRunStatus }>(
      bulk.renewBulkRun(this.schema, lease, untilUs),
    );
    const row = result.rows[0];
    if (row === undefined) throw new BulkRunLeaseLostError(lease.runId);
    return row.status;
  }

  async releaseBulkRun(lease: BulkRunLease, options: { done: boolean; nowUs: number }): Promise<void> {
    const result = await this.#write(bulk.releaseBulkRun(this.schema, lease, options));
    if (result.rowCount !== 1) throw new BulkRunLeaseLostError(lease.runId);
  }
}
