/** Fixtures and helpers shared by the cases of the storage conformance suite. */
import assert from "node:assert/strict";
import { FULL_HISTORY } from "../../core/history-range.js";
import type { Event, MachineRecord } from "../../core/machine.js";
import { newMachineRecord } from "../../core/step.js";
import type { ClaimOptions, Lease, StepCommit } from "../machine-store.js";
import type { Storage } from "../storage.js";

export const NS = "conformance";
export const T0 = 1_700_000_000_000_000;
export const SECOND = 1_000_000;
export const bytes = (text: string) => new TextEncoder().encode(text);

/** Adapters may return Buffer (a Uint8Array subclass); only the bytes must match. */
export function assertBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  assert.ok(actual instanceof Uint8Array, "payload is bytes");
  assert.deepEqual(Uint8Array.from(actual), expected);
}

export function plainRecord(record: MachineRecord | null | undefined): MachineRecord | null | undefined {
  return (
    record && { ...record, auxState: { ...record.auxState, data: Uint8Array.from(record.auxState.data) } }
  );
}

export function eventsAfter(lastEventId: number, count: number, nowUs: number): Event[] {
  return Array.from({ length: count }, (_, index) => ({
    id: lastEventId + index + 1,
    createdAtUs: nowUs + index,
    data: bytes(`event ${lastEventId + index + 1}`),
  }));
}

export async function lease(
  storage: Storage,
  machineId: string,
  owner = "node-a",
  nowUs = T0,
): Promise<Lease> {
  const result = await storage.acquireLease({
    namespace: NS,
    machineId,
    owner,
    nowUs,
    untilUs: nowUs + 30 * SECOND,
  });
  assert.ok(result.acquired, `lease on ${machineId} must be free`);
  return result.lease;
}

/** Creates a machine with `count` events and returns its record, lease released. */
export async function createMachine(
  storage: Storage,
  machineId: string,
  count: number,
  patch: Partial<MachineRecord> = {},
) {
  const held = await lease(storage, machineId);
  const events = eventsAfter(0, count, T0);
  const record: MachineRecord = { ...newMachineRecord(NS, machineId, T0), lastEventId: count, ...patch };
  const [outcome] = await storage.commit([
    { lease: held, kind: "create", record, events, leaseUntilUs: null },
  ]);
  assert.deepEqual(outcome, { ok: true });
  return record;
}

export function update(
  held: Lease,
  record: MachineRecord,
  events: Event[],
  extra: Partial<StepCommit> = {},
): StepCommit {
  return { lease: held, kind: "update", record, events, leaseUntilUs: null, ...extra };
}

export function notification(id: string, machineId: string, dueAtUs: number) {
  return {
    namespace: NS,
    id,
    machineId,
    args: bytes(`args ${id}`),
    range: FULL_HISTORY,
    createdAtUs: dueAtUs,
    dueAtUs,
    attempt: 0,
  };
}

/** Another node ("b") takes the machine's lease over after the current one expired, as a stale holder's rival. */
export async function takeOver(storage: Storage, machineId: string): Promise<Lease> {
  const fresh = await storage.acquireLease({
    namespace: NS,
    machineId,
    owner: "b",
    nowUs: T0 + 60 * SECOND,
    untilUs: T0 + 90 * SECOND,
  });
  assert.ok(fresh.acquired, `the lease on ${machineId} has expired and is taken over`);
  return fresh.lease;
}

/** Claim options for the conformance namespace, owner "a" unless given. */
export function claimOptions(
  nowUs: number,
  untilUs: number,
  extra: Partial<ClaimOptions> = {},
): ClaimOptions {
  return { owner: "a", nowUs, untilUs, limit: 10, namespaces: [NS], ...extra };
}

/** The sink's lease, as a relay takes it: in the same lease table, under a pseudo-namespace. */
export const SINK_LEASE_NAMESPACE = "conformance.sink";

export async function sinkLease(
  storage: Storage,
  sink: string,
  owner = "relay-a",
  nowUs = T0,
): Promise<Lease> {
  const result = await storage.acquireLease({
    namespace: SINK_LEASE_NAMESPACE,
    machineId: sink,
    owner,
    nowUs,
    untilUs: nowUs + 30 * SECOND,
  });
  assert.ok(result.acquired, `the lease on sink ${sink} must be free`);
  return result.lease;
}

/** An event record of machine `machineId` for the outbox. */
export function eventDraft(machineId: string, event: Event) {
  return {
    kind: "event" as const,
    namespace: NS,
    machineId,
    eventId: event.id,
    createdAtUs: event.createdAtUs,
    ...(event.formatVersion === undefined ? {} : { formatVersion: event.formatVersion }),
    data: event.data,
  };
}
