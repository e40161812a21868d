/**
 * The Sink port: where the outbox relay hands every committed machine event and lifecycle change. Adapters
 * (Kafka in MG's format, NATS JetStream) live in the folders beside this file; the engine sees only this.
 */
import { RatchetError } from "../core/errors.js";
import type { OutboxRecord } from "../core/outbox.js";

export type { EventRecord, LifecycleChange, LifecycleRecord, OutboxRecord } from "../core/outbox.js";

export interface Sink {
  readonly name: string;
  /**
   * Publishes a batch, in order per machine; resolves once the broker acknowledged all of it. Throws
   * SinkUnavailableError for anything worth retrying (the relay retries the whole batch: at-least-once),
   * SinkRejectedError for a record the broker will never take.
   *
   * Not atomic: when it throws, any part of the batch may already be stored, so a retry may publish
   * duplicates (consumers deduplicate by machine and event id). But no record is stored while an earlier
   * record of the same machine bound for the same place (Kafka topic, NATS subject) is missing, so a retry
   * cannot put a machine's records out of order there. The relay calls it for one batch at a time (a second
   * concurrent call is an assertion failure) and waits for it before publishing later records.
   */
  publish(records: readonly OutboxRecord[]): Promise<void>;
  /** Releases the connections; waits for nothing in flight to be acknowledged. A closed sink is not reused. */
  close(): Promise<void>;
}

/** The broker could not be reached or could not take the batch now; the relay retries the whole batch. */
export class SinkUnavailableError extends RatchetError {
  readonly code = "sink_unavailable";
  override readonly failureClass = "not_processed";
  constructor(
    readonly sinkName: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`sink ${JSON.stringify(sinkName)} is unavailable: ${message}`, options);
  }
}

/**
 * The broker (or the sink's own encoding) will never take this record: retrying cannot help. `record` is the
 * first record of the batch the rejection concerns, when the sink can tell which one it is.
 */
export class SinkRejectedError extends RatchetError {
  readonly code = "sink_rejected";
  constructor(
    readonly sinkName: string,
    message: string,
    readonly record: OutboxRecord | undefined,
    options?: ErrorOptions,
  ) {
    super(`sink ${JSON.stringify(sinkName)} rejected ${describeRecord(record)}: ${message}`, options);
  }
}

/** `event 3 of machine "m" in "ns"`, for error messages and logs. */
export function describeRecord(record: OutboxRecord | undefined): string {
  if (record === undefined) return "a record of the batch";
  const machine = `machine ${JSON.stringify(record.machineId)} in ${JSON.stringify(record.namespace)}`;
  if (record.kind === "event") return `event ${record.eventId} of ${machine}`;
  return `lifecycle change ${record.sequence} (${record.change.kind}) of ${machine}`;
}
