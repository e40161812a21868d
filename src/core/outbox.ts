/**
 * Outbox records: what a committed step leaves for the sinks, written in the step's own transaction and
 * published after commit by the relay. Events are published as the processor wrote them; lifecycle records say
 * a machine was created, failed, repaired or removed.
 */

export type LifecycleChange =
  | { readonly kind: "created" }
  | { readonly kind: "failed"; readonly reason: string }
  | { readonly kind: "repaired" }
  | { readonly kind: "removed" };

/**
 * One committed record of the outbox, as the relay hands it to sinks.
 *
 * - `event`: one machine event. `eventId` is 1, 2, 3, … per machine, so a consumer orders and deduplicates a
 *   machine's events by (`namespace`, `machineId`, `eventId`). `data` is the stored payload: the Thrift binary
 *   encoding of one msgpack.Value, which sinks decode into `MachineEvent.data`.
 * - `lifecycle`: one lifecycle change of a machine. `sequence` is assigned by the outbox when the change is
 *   committed and increases strictly with commit order among the lifecycle records of one machine (it is not
 *   contiguous, and says nothing about the order relative to other machines). MG's `LifecycleEvent` has no such
 *   field, so a Kafka consumer orders lifecycle records by partition offset; the NATS sink carries it in the
 *   message id and the `ratchet-lifecycle-sequence` header, so a consumer can order and deduplicate with it.
 */
export type OutboxRecord =
  | {
      readonly kind: "event";
      readonly namespace: string;
      readonly machineId: string;
      readonly eventId: number;
      readonly createdAtUs: number;
      readonly formatVersion?: number;
      readonly data: Uint8Array;
    }
  | {
      readonly kind: "lifecycle";
      readonly namespace: string;
      readonly machineId: string;
      readonly createdAtUs: number;
      readonly change: LifecycleChange;
      readonly sequence: number;
    };

/** An `event` record of the outbox. */
export type EventRecord = Extract<OutboxRecord, { readonly kind: "event" }>;
/** A `lifecycle` record of the outbox. */
export type LifecycleRecord = Extract<OutboxRecord, { readonly kind: "lifecycle" }>;

/** A record as a step writes it: storage numbers lifecycle records when it stores them. */
export type OutboxDraft = EventRecord | Omit<LifecycleRecord, "sequence">;
