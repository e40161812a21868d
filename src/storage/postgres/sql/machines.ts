/**
 * Machine statements. Every write carries its step's lease epoch and matches only while the lease row still
 * holds it; batches pass one array per column and `unnest` them, so N machines cost one statement.
 */
import type pg from "pg";
import type { MachineRow } from "../../rows.js";
import type { Lease } from "../../storage.js";
import type { QuotedSchemaName } from "../schema-name.js";

export const MACHINE_COLUMNS = `namespace, machine_id, status, aux_state, aux_format_version, last_event_id,
  timer, timer_due_at_us, retry, failure, pause, last_step_number, due_at_us, created_at_us, updated_at_us`;

/** The machine columns of table alias `alias`, for statements that join. */
export function machineColumnsOf(alias: string): string {
  return MACHINE_COLUMNS.split(",")
    .map((column) => `${alias}.${column.trim()}`)
    .join(", ");
}

/** A machine row a step writes, with the lease that fences it and where its history ended before the step. */
export interface FencedMachineRow {
  readonly lease: Lease;
  readonly row: MachineRow;
  readonly previousLastEventId: number;
}

const MACHINE_INPUT = `unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bytea[], $6::integer[],
    $7::bigint[], $8::text[], $9::bigint[], $10::text[], $11::text[], $12::bigint[], $13::bigint[],
    $14::bigint[], $15::bigint[], $16::text[], $17::text[], $18::bigint[])
  AS s(namespace, machine_id, epoch, status, aux_state, aux_format_version, last_event_id, timer,
    timer_due_at_us, retry, failure, due_at_us, created_at_us, updated_at_us, previous_last_event_id, owner,
    pause, last_step_number)`;

function machineInputValues(machines: readonly FencedMachineRow[]): unknown[] {
  const column = <K extends keyof MachineRow>(key: K) => machines.map(({ row }) => row[key]);
  return [
    column("namespace"),
    column("machine_id"),
    machines.map(({ lease }) => lease.epoch),
    column("status"),
    column("aux_state"),
    column("aux_format_version"),
    column("last_event_id"),
    column("timer"),
    column("timer_due_at_us"),
    column("retry"),
    column("failure"),
    column("due_at_us"),
    column("created_at_us"),
    column("updated_at_us"),
    machines.map(({ previousLastEventId }) => previousLastEventId),
    machines.map(({ lease }) => lease.owner),
    column("pause"),
    column("last_step_number"),
  ];
}

/**
 * The fence of a machine write: the lease row still names this step's holder. Owner and epoch together, as in
 * lockLeases: lease writes are not flushed on commit, so after a server crash the epoch sequence may repeat a
 * value, and only the pair names one holder (a create runs in the same round trip as the lock, so it must check
 * both itself).
 */
function leaseHeld(schema: QuotedSchemaName): string {
  return `EXISTS (SELECT 1 FROM ${schema}.leases l
  WHERE l.namespace = s.namespace AND l.machine_id = s.machine_id AND l.epoch = s.epoch AND l.owner = s.owner)`;
}

export function readMachine(schema: QuotedSchemaName, namespace: string, machineId: string): pg.QueryConfig {
  return {
    name: "ratchet_read_machine",
    text: `SELECT ${MACHINE_COLUMNS} FROM ${schema}.machines WHERE namespace = $1::text AND machine_id = $2::text`,
    values: [namespace, machineId],
  };
}

export function listMachines(
  schema: QuotedSchemaName,
  options: { namespace: string; afterId: string; limit: number },
): pg.QueryConfig {
  return {
    name: "ratchet_list_machines",
    text: `SELECT ${MACHINE_COLUMNS} FROM ${schema}.machines
      WHERE namespace = $1::text AND machine_id > $2::text ORDER BY machine_id LIMIT $3::bigint`,
    values: [options.namespace, options.afterId, options.limit],
  };
}

/** Creates machines; one that exists already is skipped and missing from the answer. */
export function insertMachines(
  schema: QuotedSchemaName,
  machines: readonly FencedMachineRow[],
): pg.QueryConfig {
  return {
    name: "ratchet_insert_machines",
    text: `INSERT INTO ${schema}.machines (${MACHINE_COLUMNS})
      SELECT s.namespace, s.machine_id, s.status, s.aux_state, s.aux_format_version, s.last_event_id, s.timer,
        s.timer_due_at_us, s.retry, s.failure, s.pause, s.last_step_number, s.due_at_us, s.created_at_us,
        s.updated_at_us
      FROM ${MACHINE_INPUT}
      WHERE ${leaseHeld(schema)}
      ON CONFLICT (namespace, machine_id) DO NOTHING
      RETURNING namespace, machine_id`,
    values: machineInputValues(machines),
  };
}

/** Replaces records; fenced on the lease and on the history, which must still end where the step began. */
export function updateMachines(
  schema: QuotedSchemaName,
  machines: readonly FencedMachineRow[],
): pg.QueryConfig {
  return {
    name: "ratchet_update_machines",
    text: `UPDATE ${schema}.machines m SET status = s.status, aux_state = s.aux_state,
        aux_format_version = s.aux_format_version, last_event_id = s.last_event_id, timer = s.timer,
        timer_due_at_us = s.timer_due_at_us, retry = s.retry, failure = s.failure, pause = s.pause,
        last_step_number = s.last_step_number, due_at_us = s.due_at_us, updated_at_us = s.updated_at_us
      FROM ${MACHINE_INPUT}
      WHERE m.namespace = s.namespace AND m.machine_id = s.machine_id
        AND m.last_event_id = s.previous_last_event_id AND ${leaseHeld(schema)}`,
    values: machineInputValues(machines),
  };
}

/** Deletes machines (their events and notifications go in their own statements, after this one). */
export function deleteMachines(schema: QuotedSchemaName, leases: readonly Lease[]): pg.QueryConfig {
  return {
    name: "ratchet_delete_machines",
    text: `DELETE FROM ${schema}.machines m
      USING unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS s(namespace, machine_id, epoch, owner)
      WHERE m.namespace = s.namespace AND m.machine_id = s.machine_id AND ${leaseHeld(schema)}`,
    values: [
      leases.map((lease) => lease.namespace),
      leases.map((lease) => lease.machineId),
      leases.map((lease) => lease.epoch),
      leases.map((lease) => lease.owner),
    ],
  };
}
