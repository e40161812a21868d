/**
 * The group commit: every step of a batch in ONE transaction, in 3 round trips however many steps it holds:
 * BEGIN + lock leases + insert creates (pipelined, in one write); every other write (pipelined); COMMIT. Measured through a
 * proxy adding 10 ms each way: 50 updates with an event each took 65 ms (3.3 round trips), 50 creates 70 ms;
 * unpipelined the same batch needs 6 to 8. A batch naming one machine twice adds 2 per extra round.
 * Each step is fenced by its own lease epoch and fails alone: a lost lease or an existing machine fails that
 * step, which writes nothing; the others commit.
 */
import assert from "node:assert/strict";
import pg from "pg";
import { LeaseLostError, MachineAlreadyExistsError, StorageResultUnknownError } from "../../core/errors.js";
import { dueAtUsOf, machineKey } from "../../core/machine.js";
import { auditToRow } from "../audit-rows.js";
import { idempotencyToRow } from "../idempotency-rows.js";
import type { CommitOutcome, StepCommit } from "../machine-store.js";
import { eventToRow, machineToRow, stepToRow } from "../rows.js";
import { inOneWrite } from "./pool.js";
import type { QuotedSchemaName } from "./schema-name.js";
import * as audit from "./sql/audit.js";
import * as events from "./sql/events.js";
import * as idempotency from "./sql/idempotency.js";
import * as leases from "./sql/leases.js";
import * as machines from "./sql/machines.js";
import * as notifications from "./sql/notifications.js";
import * as outbox from "./sql/outbox.js";
import * as journalSql from "./sql/steps.js";

/**
 * Batches up to this many steps send their writes in one write to the socket (inOneWrite). A larger batch's
 * statements go out each as soon as it is encoded, so the server runs the first while the node encodes the
 * rest: corked, a chain of 64 machines (batches of about 32 steps) lost 6 % of its steps/s, while 32 callers
 * (small batches) gained 8 % calls/s from the syscalls saved.
 */
const ONE_WRITE_STEPS_MAX = 16;

interface Target {
  readonly schema: QuotedSchemaName;
  readonly wakeChannel: string;
}

/** Runs on a connection with no transaction open; leaves none open when it returns. */
export async function commitSteps(
  client: pg.PoolClient,
  target: Target,
  steps: readonly StepCommit[],
): Promise<CommitOutcome[]> {
  const outcomes: CommitOutcome[] = new Array(steps.length);
  let first = true;
  for (const round of roundsOf(steps)) {
    const fenced = await fenceRound(client, target, round, first);
    first = false;
    const survivors: StepCommit[] = [];
    for (const { index, step } of round) {
      const error = fenced.get(index);
      outcomes[index] = error === undefined ? { ok: true } : { ok: false, error };
      if (error === undefined) survivors.push(step);
    }
    await writeFencedSteps(client, target, survivors);
  }
  if (first) return outcomes; // every round was empty: no transaction was opened
  const committed = await commitOrExplain(client);
  assert.equal(committed.command, "COMMIT", "every statement of the batch succeeded, so COMMIT commits");
  return outcomes;
}

/**
 * A server error on COMMIT means it did not commit; a connection lost while COMMIT was in flight means nobody
 * knows: the server may have committed before the answer was lost. That is StorageResultUnknownError, never
 * StorageUnavailableError, whose promise is that nothing was committed (a caller told so would retry, and a
 * retried call would run twice).
 */
async function commitOrExplain(client: pg.PoolClient): Promise<pg.QueryResult> {
  try {
    return await client.query("COMMIT");
  } catch (error) {
    if (error instanceof pg.DatabaseError) throw error;
    throw new StorageResultUnknownError(
      "postgres: the connection broke while COMMIT was in flight; the batch may have committed",
      { cause: error },
    );
  }
}

interface IndexedStep {
  readonly index: number;
  readonly step: StepCommit;
}

/**
 * Splits a batch so that no round touches one machine twice (an UPDATE … FROM unnest would apply only one of
 * two rows for the same key). Rounds run in order in the same transaction; a batch is nearly always one round.
 */
function roundsOf(steps: readonly StepCommit[]): IndexedStep[][] {
  const rounds: IndexedStep[][] = [];
  const seen = new Map<string, number>();
  steps.forEach((step, index) => {
    const key = machineKey(step.lease.namespace, step.lease.machineId);
    assert.equal(
      machineKey(step.record.namespace, step.record.id),
      key,
      "a step writes the machine it leased",
    );
    const round = seen.get(key) ?? 0;
    seen.set(key, round + 1);
    if (round === rounds.length) rounds.push([]);
    rounds[round]?.push({ index, step });
  });
  return rounds;
}

/** Round trip 1: locks the round's leases and inserts its creates. Returns the error of each step that fails. */
async function fenceRound(
  client: pg.PoolClient,
  { schema }: Target,
  round: readonly IndexedStep[],
  first: boolean,
): Promise<Map<number, Error>> {
  const creates = round.filter(({ step }) => step.kind === "create");
  const fencedCreates = creates.map(({ step }) => ({
    lease: step.lease,
    row: machineToRow(step.record),
    previousLastEventId: 0,
  }));
  const [, locked, created] = await Promise.all(
    inOneWrite(client, () => [
      first ? client.query("BEGIN") : undefined,
      client.query<{ namespace: string; machine_id: string }>(
        leases.lockLeases(
          schema,
          round.map(({ step }) => step.lease),
        ),
      ),
      creates.length === 0
        ? undefined
        : client.query<{ namespace: string; machine_id: string }>(
            machines.insertMachines(schema, fencedCreates),
          ),
    ]),
  );
  const held = new Set(locked.rows.map((row) => machineKey(row.namespace, row.machine_id)));
  const inserted = new Set(created?.rows.map((row) => machineKey(row.namespace, row.machine_id)));
  const errors = new Map<number, Error>();
  for (const { index, step } of round) {
    const key = machineKey(step.lease.namespace, step.lease.machineId);
    if (!held.has(key)) errors.set(index, new LeaseLostError(step.lease.namespace, step.lease.machineId));
    else if (step.kind === "create" && !inserted.has(key)) {
      errors.set(index, new MachineAlreadyExistsError(step.record.namespace, step.record.id));
    }
  }
  return errors;
}

/** Round trip 2: everything the steps that passed their fences write, as one statement per kind of write. */
async function writeFencedSteps(
  client: pg.PoolClient,
  { schema, wakeChannel }: Target,
  steps: readonly StepCommit[],
): Promise<void> {
  if (steps.length === 0) return;
  const removed = steps.filter((step) => step.kind === "remove").map((step) => step.lease);
  const kept = steps.filter((step) => step.kind !== "remove");
  const updates = kept
    .filter((step) => step.kind === "update")
    .map((step) => ({
      lease: step.lease,
      row: machineToRow(step.record),
      previousLastEventId: step.record.lastEventId - step.events.length,
    }));
  const newEvents = kept.flatMap((step) =>
    step.events.map((event) => ({
      epoch: step.lease.epoch,
      row: eventToRow(step.record.namespace, step.record.id, event),
    })),
  );
  const settled = kept.flatMap((step) =>
    step.notification === undefined ? [] : [{ lease: step.lease, ...step.notification }],
  );
  const outboxEntries = steps.flatMap((step) => step.outbox ?? []);
  // A removing step's entries go with the rest of its machine's journal.
  const journal = kept.flatMap((step) =>
    (step.journal ?? []).map((entry) => stepToRow(step.record.namespace, step.record.id, entry)),
  );
  const contents = kept.flatMap((step) =>
    (step.eventContents ?? []).map((update) => ({ lease: step.lease, ...update })),
  );
  const keys = steps.flatMap((step) =>
    step.idempotency === undefined ? [] : [{ lease: step.lease, row: idempotencyToRow(step.idempotency) }],
  );
  const auditRows = steps.flatMap((step) => (step.audit === undefined ? [] : [auditToRow(step.audit)]));
  const skip = Promise.resolve(undefined);
  // The machine rows go before their events and notifications: a concurrent insertNotification holds the
  // machine row, and the later statements' snapshots then include what it inserted.
  const issue = () =>
    [
      updates.length === 0 ? skip : client.query(machines.updateMachines(schema, updates)),
      removed.length === 0 ? skip : client.query(machines.deleteMachines(schema, removed)),
      removed.length === 0 ? skip : client.query(events.deleteEvents(schema, removed)),
      removed.length === 0 ? skip : client.query(notifications.deleteMachineNotifications(schema, removed)),
      removed.length === 0 ? skip : client.query(journalSql.deleteMachineSteps(schema, removed)),
      newEvents.length === 0 ? skip : client.query(events.insertEvents(schema, newEvents)),
      settled.length === 0 ? skip : client.query(notifications.settleNotifications(schema, settled)),
      outboxEntries.length === 0 ? skip : client.query(outbox.insertOutbox(schema, outboxEntries)),
      contents.length === 0 ? skip : client.query(events.updateEventContents(schema, contents)),
      journal.length === 0 ? skip : client.query(journalSql.insertSteps(schema, journal)),
      keys.length === 0 ? skip : client.query(idempotency.insertIdempotencyKeys(schema, keys)),
      auditRows.length === 0 ? skip : client.query(audit.insertAudit(schema, auditRows)),
      client.query<{ settled_count: number }>(
        leases.settleLeases(schema, {
          leases: steps.map((step) => step.lease),
          expiresAtUs: steps.map((step) => (step.kind === "remove" ? null : step.leaseUntilUs)),
          wake: steps.some(makesWorkDue),
          channel: wakeChannel,
        }),
      ),
    ] as const;
  const [updated, , , , , inserted, , , , , , , settledLeases] = await Promise.all(
    steps.length <= ONE_WRITE_STEPS_MAX ? inOneWrite(client, issue) : issue(),
  );
  assert.equal(
    updated?.rowCount ?? 0,
    updates.length,
    "each updated machine still ends where its step began",
  );
  assert.equal(inserted?.rowCount ?? 0, newEvents.length, "every event of a fenced step is appended");
  assert.equal(settledLeases.rows[0]?.settled_count, steps.length, "every fenced step settles its lease");
}

/**
 * Whether other nodes should look for work after this step: it left a due timer or retry that its own node
 * will not run under the lease it keeps, or it rescheduled a notification. Checked in the adapter so the
 * notify costs nothing on the hot path (the holder keeps the lease and runs the next step itself).
 */
function makesWorkDue(step: StepCommit): boolean {
  if (step.kind === "remove") return false;
  if (step.notification?.outcome.kind === "retry") return true;
  const dueAtUs = dueAtUsOf(step.record);
  if (dueAtUs === null) return false;
  return step.leaseUntilUs === null || dueAtUs >= step.leaseUntilUs;
}
