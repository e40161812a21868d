/**
 * One step's commit on SQLite, run inside the turn's shared transaction. A step that fails its fence (lease epoch
 * and owner) or creates an existing machine fails alone and writes nothing: both are found before anything of the
 * step is written (the fence is read first; the machine's insert is the step's first write, and a statement that
 * fails changes nothing), so no savepoint per step is needed. A savepoint copied the pages each step touched and
 * cost ~20–40 µs per step. Any other failure fails the whole batch, whose savepoint rolls it back.
 */
import assert from "node:assert/strict";
import { LeaseLostError, MachineAlreadyExistsError } from "../../core/errors.js";
import { auditToRow } from "../audit-rows.js";
import { idempotencyToRow } from "../idempotency-rows.js";
import type { StepCommit } from "../machine-store.js";
import { machineToRow, outboxToRow, stepToRow } from "../rows.js";
import * as audit from "./sql/audit.js";
import * as events from "./sql/events.js";
import * as idempotency from "./sql/idempotency.js";
import * as leases from "./sql/leases.js";
import * as machines from "./sql/machines.js";
import * as notifications from "./sql/notifications.js";
import * as outbox from "./sql/outbox.js";
import * as steps from "./sql/steps.js";
import type { SqliteDatabase } from "./sqlite-database.js";

export function commitStep(database: SqliteDatabase, step: StepCommit): void {
  const { lease, record } = step;
  const held = database.statement(leases.READ_LEASE).get(lease.namespace, lease.machineId) as
    | { epoch: number; owner: string }
    | undefined;
  if (held?.epoch !== lease.epoch || held.owner !== lease.owner) {
    throw new LeaseLostError(lease.namespace, lease.machineId);
  }
  if (step.kind !== "remove") writeRecord(database, step);
  for (const entry of step.outbox ?? []) database.statement(outbox.INSERT_OUTBOX).run(outboxToRow(entry));
  if (step.idempotency !== undefined) {
    database.statement(idempotency.INSERT_IDEMPOTENCY_KEY).run(idempotencyToRow(step.idempotency));
  }
  if (step.audit !== undefined) database.statement(audit.INSERT_AUDIT).run(auditToRow(step.audit));
  if (step.kind === "remove") {
    for (const statement of [
      events.DELETE_EVENTS,
      notifications.DELETE_MACHINE_NOTIFICATIONS,
      steps.DELETE_MACHINE_STEPS,
      steps.DELETE_MACHINE_RECENT_STEPS,
      machines.DELETE_MACHINE,
      leases.DELETE_MACHINE_LEASE,
    ]) {
      database.statement(statement).run(record.namespace, record.id);
    }
    return;
  }
  const insertEvent = database.statement(events.INSERT_EVENT);
  for (const event of step.events) {
    insertEvent.run(
      record.namespace,
      record.id,
      event.id,
      event.createdAtUs,
      event.formatVersion ?? null,
      event.data,
    );
  }
  const updateContent = database.statement(events.UPDATE_EVENT_CONTENT);
  for (const { eventId, content } of step.eventContents ?? []) {
    updateContent.run(content.formatVersion ?? null, content.data, record.namespace, record.id, eventId);
  }
  const insertStep = database.statement(steps.INSERT_STEP);
  for (const entry of step.journal ?? []) insertStep.run(stepToRow(record.namespace, record.id, entry));
  if (step.notification !== undefined) settleNotification(database, record.namespace, step.notification);
  if (step.leaseUntilUs === null) {
    database.statement(leases.DELETE_LEASE).run(lease.namespace, lease.machineId, lease.epoch);
  } else {
    database
      .statement(leases.EXTEND_LEASE)
      .run(step.leaseUntilUs, lease.namespace, lease.machineId, lease.epoch);
  }
}

function writeRecord(database: SqliteDatabase, step: StepCommit): void {
  const { record } = step;
  const row = machineToRow(record);
  if (step.kind === "create") {
    try {
      database.statement(machines.INSERT_MACHINE).run(row);
    } catch (error) {
      if ((error as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
        throw new MachineAlreadyExistsError(record.namespace, record.id);
      }
      throw error;
    }
    return;
  }
  const previous = record.lastEventId - step.events.length;
  const { changes } = database
    .statement(machines.UPDATE_MACHINE)
    .run({ ...row, previous_last_event_id: previous });
  assert.equal(changes, 1, `machine ${record.id} must end at event ${previous} when a step appends to it`);
}

function settleNotification(
  database: SqliteDatabase,
  namespace: string,
  settled: NonNullable<StepCommit["notification"]>,
): void {
  const { outcome } = settled;
  if (outcome.kind === "delivered") {
    database.statement(notifications.DELETE_NOTIFICATION).run(namespace, settled.id);
    return;
  }
  database
    .statement(notifications.RESCHEDULE_NOTIFICATION)
    .run(outcome.dueAtUs, outcome.attempt, outcome.firstFailedAtUs, outcome.lastError, namespace, settled.id);
}
