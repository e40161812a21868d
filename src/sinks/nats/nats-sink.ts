/**
 * The NATS JetStream sink (a Ratchet extension): each record goes to `<prefix>.<ns>.<id>.events` or
 * `.lifecycle` with MG's Kafka value bytes as payload, a message id that JetStream deduplicates within the
 * stream's duplicate window, and `ratchet-*` headers (nats-subjects.ts names them and the token encoding).
 * JetStream keeps the publish headers `Nats-Msg-Id` and `Nats-Expected-Stream` on the stored message too.
 *
 * Order per machine: a machine's records are published one after another, each once the previous one is
 * acknowledged, so the stream never holds a machine's record k+1 without its record k. (Pipelining them would
 * break that: if k is lost with a dropped connection while k+1, sent after the reconnect, is stored, the
 * relay's retry stores k after k+1, and the duplicate window cannot help.) Records of different machines are
 * pipelined: up to PUBLISHES_IN_FLIGHT_MAX publishes wait for their acks at once on the one connection.
 */
import assert from "node:assert/strict";
import {
  connect,
  headers,
  type JetStreamManager,
  type MsgHdrs,
  type NatsConnection,
  nanos,
  StorageType,
  type StreamInfo,
} from "nats";
import { coerceError } from "../../core/errors.js";
import { lifecycleEventValue, sinkEventValue } from "../../mg/kafka/kafka-messages.js";
import type { OutboxRecord, Sink } from "../sink.js";
import { SinkRejectedError, SinkUnavailableError } from "../sink.js";
import { JetStreamPublisher } from "./jetstream-publisher.js";
import { classifyNatsError } from "./nats-errors.js";
import {
  filterCapturesRecordSubjects,
  isSubjectPrefix,
  recordHeaders,
  recordMessageId,
  recordSubject,
  SUBJECT_BYTES_MAX,
  subjectByteLength,
} from "./nats-subjects.js";

export interface NatsSinkOptions {
  /** The sink's name in logs and errors. */
  readonly name: string;
  /** Server URLs, e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string | readonly string[];
  /** The JetStream stream; created with subjects `<subjectPrefix>.>` when missing. */
  readonly stream: string;
  /** First tokens of every subject, e.g. `ratchet` or `ratchet.prod`. */
  readonly subjectPrefix: string;
  /**
   * Duplicate window of a stream the sink creates, ms (JetStream's default: 2 min). A relay retry later than
   * this stores copies again, which consumers drop by (namespace, machine id, event id). An existing stream
   * keeps its own window.
   */
  readonly duplicateWindowMs?: number;
  /** How long a publish waits for JetStream's ack, ms. */
  readonly ackTimeoutMs?: number;
  /** How long the first connection attempt may take, ms. */
  readonly connectTimeoutMs?: number;
}

export const NATS_DUPLICATE_WINDOW_MS_DEFAULT = 120_000;
export const NATS_ACK_TIMEOUT_MS_DEFAULT = 5_000;
export const NATS_CONNECT_TIMEOUT_MS_DEFAULT = 5_000;
/** Publishes awaiting their acks at once, each of a different machine. */
export const PUBLISHES_IN_FLIGHT_MAX = 256;
/** Pause between reconnect attempts, ms, plus up to RECONNECT_JITTER_MS; attempts never stop. */
const RECONNECT_WAIT_MS = 1_000;
const RECONNECT_JITTER_MS = 500;
/** A silent connection is declared dead after PINGS_OUTSTANDING_MAX unanswered pings this far apart, ms. */
const PING_INTERVAL_MS = 10_000;
const PINGS_OUTSTANDING_MAX = 2;
/** JetStream's `err_code` for "stream not found" (JSStreamNotFoundErr). */
const STREAM_NOT_FOUND = 10_059;
/** JetStream's `err_code` for "stream name already in use with a different configuration". */
const STREAM_NAME_IN_USE = 10_058;
const STREAM_NAME = /^[^.*>\s/\\]+$/;
/** JetStream's publish headers. */
const JETSTREAM_HEADER = { messageId: "Nats-Msg-Id", expectedStream: "Nats-Expected-Stream" } as const;

interface Connection {
  readonly nc: NatsConnection;
  readonly publisher: JetStreamPublisher;
  readonly jsm: JetStreamManager;
}

/** One record ready to publish. */
interface OutgoingMessage {
  readonly record: OutboxRecord;
  readonly subject: string;
  readonly messageId: string;
  readonly headers: readonly [string, string][];
  readonly payload: Uint8Array;
}

/** The first publish that failed, and which record it carried. */
class PublishFailure {
  constructor(
    readonly record: OutboxRecord,
    readonly error: unknown,
  ) {}
}

export class NatsSink implements Sink {
  readonly name: string;
  private readonly options: NatsSinkOptions;
  /** Opened on first use; forgotten when the client closes it for good, so the next publish opens another. */
  private connection: Promise<Connection> | undefined;
  /** Whether the stream was found or created on the current connection since the last failure. */
  private streamReady = false;
  private publishing = false;
  private closed = false;

  constructor(options: NatsSinkOptions) {
    assert.ok(options.name.length > 0, "a NATS sink needs a name");
    assert.ok(STREAM_NAME.test(options.stream), `${JSON.stringify(options.stream)} is not a stream name`);
    assert.ok(
      isSubjectPrefix(options.subjectPrefix),
      `${JSON.stringify(options.subjectPrefix)} is not a prefix`,
    );
    this.name = options.name;
    this.options = options;
  }

  async publish(records: readonly OutboxRecord[]): Promise<void> {
    assert.ok(!this.closed, `sink ${this.name} is closed`);
    assert.ok(!this.publishing, `sink ${this.name} publishes one batch at a time`);
    this.publishing = true;
    try {
      const messages = records.map((record) => this.outgoingMessage(record));
      if (messages.length === 0) return;
      await this.send(messages);
    } finally {
      this.publishing = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    if (connection === undefined) return;
    await connection.then(
      ({ nc }) => nc.close(),
      () => undefined, // never opened: nothing to close
    );
  }

  private async send(messages: readonly OutgoingMessage[]): Promise<void> {
    try {
      const { publisher, jsm } = await this.connected();
      if (!this.streamReady) {
        await this.ensureStream(jsm);
        this.streamReady = true;
      }
      await publishInMachineOrder(publisher, chainsByMachine(messages), this.options.stream);
    } catch (error) {
      this.streamReady = false; // the stream may be what went away
      throw this.translate(error);
    }
  }

  /** Subject, message id, headers and payload of one record; a record that cannot be encoded is rejected. */
  private outgoingMessage(record: OutboxRecord): OutgoingMessage {
    let payload: Uint8Array;
    try {
      payload = record.kind === "event" ? sinkEventValue(record) : lifecycleEventValue(record);
    } catch (error) {
      throw new SinkRejectedError(this.name, coerceError(error).message, record, { cause: error });
    }
    const subject = recordSubject(this.options.subjectPrefix, record);
    const subjectBytes = subjectByteLength(subject);
    if (subjectBytes > SUBJECT_BYTES_MAX) {
      const message = `its subject is ${subjectBytes} bytes, above the maximum of ${SUBJECT_BYTES_MAX}`;
      throw new SinkRejectedError(this.name, message, record);
    }
    return { record, subject, messageId: recordMessageId(record), headers: recordHeaders(record), payload };
  }

  private connected(): Promise<Connection> {
    if (this.connection === undefined) {
      const opening = openConnection(this.options);
      this.connection = opening;
      const forget = () => {
        if (this.connection !== opening) return;
        this.connection = undefined;
        this.streamReady = false;
      };
      opening.then(({ nc }) => nc.closed().then(forget), forget);
    }
    return this.connection;
  }

  /** Finds the stream, or creates it; refuses one that does not capture this sink's subjects. */
  private async ensureStream(jsm: JetStreamManager): Promise<void> {
    const { stream, subjectPrefix } = this.options;
    let info = await streamInfoOrNull(jsm, stream);
    if (info === null) {
      try {
        await jsm.streams.add({
          name: stream,
          subjects: [`${subjectPrefix}.>`],
          storage: StorageType.File,
          duplicate_window: nanos(this.options.duplicateWindowMs ?? NATS_DUPLICATE_WINDOW_MS_DEFAULT),
        });
        return;
      } catch (error) {
        // Another node created it first, with other settings: use theirs if it captures our subjects.
        if (apiErrorCode(error) !== STREAM_NAME_IN_USE) throw error;
        info = await jsm.streams.info(stream);
      }
    }
    const subjects = info.config.subjects ?? [];
    if (!subjects.some((filter) => filterCapturesRecordSubjects(filter, subjectPrefix))) {
      const message = `stream ${stream} captures ${JSON.stringify(subjects)}, not ${subjectPrefix}.>`;
      throw new SinkUnavailableError(this.name, message);
    }
  }

  private translate(error: unknown): Error {
    if (error instanceof SinkUnavailableError || error instanceof SinkRejectedError) return error;
    const record = error instanceof PublishFailure ? error.record : undefined;
    const cause = error instanceof PublishFailure ? error.error : error;
    const message = coerceError(cause).message;
    if (classifyNatsError(cause) === "unavailable")
      return new SinkUnavailableError(this.name, message, { cause });
    return new SinkRejectedError(this.name, message, record, { cause });
  }
}

async function openConnection(options: NatsSinkOptions): Promise<Connection> {
  const ackTimeoutMs = options.ackTimeoutMs ?? NATS_ACK_TIMEOUT_MS_DEFAULT;
  const nc = await connect({
    servers: typeof options.servers === "string" ? options.servers : [...options.servers],
    name: `ratchet sink ${options.name}`,
    timeout: options.connectTimeoutMs ?? NATS_CONNECT_TIMEOUT_MS_DEFAULT,
    // The client reconnects forever; meanwhile each publish fails after its ack timeout, so waits stay bounded.
    maxReconnectAttempts: -1,
    reconnectTimeWait: RECONNECT_WAIT_MS,
    reconnectJitter: RECONNECT_JITTER_MS,
    pingInterval: PING_INTERVAL_MS,
    maxPingOut: PINGS_OUTSTANDING_MAX,
    // Otherwise the client builds an Error (a stack trace) for every publish in case its ack times out: 15 % of
    // a publishing node's CPU in a profile. The sink names the failed record itself (translate).
    noAsyncTraces: true,
  });
  try {
    // jetstreamManager() asks the server for the account's JetStream info: it fails here if JetStream is off.
    const jsm = await nc.jetstreamManager({ timeout: ackTimeoutMs });
    return { nc, publisher: new JetStreamPublisher(nc, ackTimeoutMs), jsm };
  } catch (error) {
    await nc.close().catch(() => undefined);
    throw error;
  }
}

/** Each machine's messages in batch order; machines in order of their first record. */
function chainsByMachine(messages: readonly OutgoingMessage[]): OutgoingMessage[][] {
  const chains = new Map<string, OutgoingMessage[]>();
  for (const message of messages) {
    const machine = JSON.stringify([message.record.namespace, message.record.machineId]);
    const chain = chains.get(machine);
    if (chain === undefined) chains.set(machine, [message]);
    else chain.push(message);
  }
  return [...chains.values()];
}

/**
 * Publishes every chain, a chain's messages one after another, up to PUBLISHES_IN_FLIGHT_MAX chains at once.
 * After the first failure no further message starts; the ones in flight are awaited, then the failure thrown.
 */
async function publishInMachineOrder(
  publisher: JetStreamPublisher,
  chains: readonly (readonly OutgoingMessage[])[],
  stream: string,
): Promise<void> {
  let failure: PublishFailure | undefined;
  let nextChain = 0;
  const worker = async (): Promise<void> => {
    while (failure === undefined && nextChain < chains.length) {
      const chain = chains[nextChain]!;
      nextChain += 1;
      for (const message of chain) {
        if (failure !== undefined) return;
        try {
          await publisher.publish(message.subject, message.payload, messageHeaders(message, stream));
        } catch (error) {
          failure ??= new PublishFailure(message.record, error);
          return;
        }
      }
    }
  };
  const workerCount = Math.min(PUBLISHES_IN_FLIGHT_MAX, chains.length);
  await Promise.all(Array.from({ length: workerCount }, worker));
  if (failure !== undefined) throw failure;
}

/** JetStream's headers (the message id it deduplicates by, the stream that must store it), then the sink's. */
function messageHeaders(message: OutgoingMessage, stream: string): MsgHdrs {
  const messageHeaders = headers();
  messageHeaders.append(JETSTREAM_HEADER.messageId, message.messageId);
  // The server refuses the message unless this stream stores it (not another stream capturing the subject).
  messageHeaders.append(JETSTREAM_HEADER.expectedStream, stream);
  for (const [name, value] of message.headers) messageHeaders.append(name, value);
  return messageHeaders;
}

async function streamInfoOrNull(jsm: JetStreamManager, stream: string): Promise<StreamInfo | null> {
  try {
    return await jsm.streams.info(stream);
  } catch (error) {
    if (apiErrorCode(error) === STREAM_NOT_FOUND) return null;
    throw error;
  }
}

/** JetStream's `err_code` of an API error, if this is one. */
function apiErrorCode(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const apiError = (error as { api_error?: { err_code?: unknown } }).api_error;
  return typeof apiError?.err_code === "number" ? apiError.err_code : undefined;
}
