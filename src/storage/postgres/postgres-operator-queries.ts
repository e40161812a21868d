/**
 * PostgreSQL's operator queries and its idempotency key reads and prunes: one statement each, on the main pool.
 */
import type pg from "pg";
import { MachineNotFoundError, StorageUnavailableError } from "../../core/errors.js";
import type { IdempotencyRecord } from "../../core/idempotency.js";
import type { MachineRecord, MachineStatus } from "../../core/machine.js";
import { MACHINE_STATUSES } from "../../core/machine.js";
import type { Notification } from "../../core/notification.js";
import { type IdempotencyRow, idempotencyFromRow, idempotencyToRow } from "../idempotency-rows.js";
import type { MachineSearch } from "../operator-queries.js";
import {
  type MachineRow,
  machineFromRow,
  type NotificationRow,
  notificationFromRow,
  notificationToRow,
} from "../rows.js";
import { withClient } from "./pool.js";
import type { QuotedSchemaName } from "./schema-name.js";
import * as dueWork from "./sql/due-work.js";
import * as idempotency from "./sql/idempotency.js";
import * as machines from "./sql/machines.js";
import * as notifications from "./sql/notifications.js";
import * as search from "./sql/search.js";

export class PostgresOperatorQueries {
  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: QuotedSchemaName,
    private readonly wakeChannel: string,
  ) {}

  async listMachines(
    namespace: string,
    options: { afterId?: string; limit: number },
  ): Promise<MachineRecord[]> {
    const result = await withClient(this.pool, (client) =>
      client.query<MachineRow>(
        machines.listMachines(this.schema, {
          namespace,
          afterId: options.afterId ?? "",
          limit: options.limit,
        }),
      ),
    );
    return result.rows.map(machineFromRow);
  }

  async searchMachines(namespace: string, filters: MachineSearch): Promise<MachineRecord[]> {
    const result = await withClient(this.pool, (client) =>
      client.query<MachineRow>(search.searchMachines(this.schema, namespace, filters)),
    );
    return result.rows.map(machineFromRow);
  }

  async countMachinesByStatus(
    namespace: string,
    options: { capPerStatus: number },
  ): Promise<Record<MachineStatus, number>> {
    const result = await withClient(this.pool, (client) =>
      client.query<Record<MachineStatus, number>>(
        search.countMachinesByStatus(this.schema, { namespace, capPerStatus: options.capPerStatus }),
      ),
    );
    const counts = result.rows[0];
    return Object.fromEntries(MACHINE_STATUSES.map((status) => [status, counts?.[status] ?? 0])) as Record<
      MachineStatus,
      number
    >;
  }

  async countTimersDue(namespace: string, options: { dueBeforeUs: number; cap: number }): Promise<number> {
    const result = await withClient(this.pool, (client) =>
      client.query<{ due: number }>(dueWork.countTimersDue(this.schema, { namespace, ...options })),
    );
    return result.rows[0]?.due ?? 0;
  }

  async oldestOverdueTimer(namespace: string, options: { nowUs: number }): Promise<number | null> {
    const result = await withClient(this.pool, (client) =>
      client.query<{ due_at_us: number | null }>(
        dueWork.oldestOverdueTimer(this.schema, { namespace, nowUs: options.nowUs }),
      ),
    );
    return result.rows[0]?.due_at_us ?? null;
  }

  async oldestPendingNotification(
    namespace: string,
    options: { candidatesMax: number },
  ): Promise<number | null> {
    const result = await withClient(this.pool, (client) =>
      client.query<{ created_at_us: number | null }>(
        dueWork.oldestPendingNotification(this.schema, { namespace, candidatesMax: options.candidatesMax }),
      ),
    );
    return result.rows[0]?.created_at_us ?? null;
  }

  async readSchemaVersion(): Promise<number> {
    const result = await withClient(this.pool, (client) =>
      client.query<{ version: number }>(dueWork.readSchemaVersion(this.schema)),
    );
    return result.rows[0]?.version ?? 0;
  }

  async listNotifications(namespace: string, machineId: string): Promise<Notification[]> {
    const result = await withClient(this.pool, (client) =>
      client.query<NotificationRow>(notifications.listNotifications(this.schema, { namespace, machineId })),
    );
    return result.rows.map(notificationFromRow);
  }

  async insertNotification(
    notification: Notification,
    options: { idempotency?: IdempotencyRecord } = {},
  ): Promise<IdempotencyRecord | null> {
    const row = notificationToRow(notification);
    const { idempotency: keyed } = options;
    if (keyed === undefined) {
      const result = await withClient(
        this.pool,
        (client) => client.query(notifications.insertNotification(this.schema, row, this.wakeChannel)),
        { write: true },
      );
      if (result.rowCount === 0)
        throw new MachineNotFoundError(notification.namespace, notification.machineId);
      return null;
    }
    const result = await withClient(
      this.pool,
      (client) =>
        client.query<{ machine_count: number; inserted_count: number }>(
          notifications.insertKeyedNotification(this.schema, row, idempotencyToRow(keyed), this.wakeChannel),
        ),
      { write: true },
    );
    const answer = result.rows[0];
    if (answer !== undefined && answer.inserted_count > 0) return null;
    const stored = await this.readIdempotencyKey(keyed.namespace, keyed.key);
    if (stored !== null) return stored;
    if (answer?.machine_count === 0)
      throw new MachineNotFoundError(notification.namespace, notification.machineId);
    throw new StorageUnavailableError(
      "the idempotency key was pruned while the notification was stored; retry",
    );
  }

  async readIdempotencyKey(namespace: string, key: string): Promise<IdempotencyRecord | null> {
    const result = await withClient(this.pool, (client) =>
      client.query<IdempotencyRow>(idempotency.readIdempotencyKey(this.schema, namespace, key)),
    );
    const row = result.rows[0];
    return row === undefined ? null : idempotencyFromRow(row);
  }

  async pruneIdempotencyKeys(options: { createdBeforeUs: number; limit: number }): Promise<number> {
    const result = await withClient(this.pool, (client) =>
      client.query(idempotency.pruneIdempotencyKeys(this.schema, options)),
    );
    return result.rowCount ?? 0;
  }
}
