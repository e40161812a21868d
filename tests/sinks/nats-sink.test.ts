/**
 * Proves NatsSink against the real nats-server with JetStream (RATCHET_TEST_NATS_URL, default
 * nats://127.0.0.1:4222): each test uses a fresh stream and subject prefix and deletes the stream afterwards;
 * a JetStream consumer reads back every record with its subject, message id, headers and MG's payload bytes,
 * in batch order per machine; a repeated batch adds nothing; an unreachable server (a closed port, or a TCP
 * forwarder the test cuts) makes publish fail with SinkUnavailableError, and a retry after it returns succeeds;
 * so do a stream that went away (no responders), a stream that refuses the message (JetStream's API error) and
 * acks that come after the ack timeout.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { after, before, type TestContext, test } from "node:test";
import { connect, type JetStreamManager, type NatsConnection, nanos, StorageType } from "nats";
import { lifecycleEventValue, sinkEventValue } from "../../src/mg/kafka/kafka-messages.js";
import { encodeValue } from "../../src/mg/msgpack/msgpack-value.js";
import { NatsSink, type NatsSinkOptions } from "../../src/sinks/nats/nats-sink.js";
import {
  decodeToken,
  recordHeaders,
  recordMessageId,
  recordSubject,
} from "../../src/sinks/nats/nats-subjects.js";
import type { EventRecord, OutboxRecord } from "../../src/sinks/sink.js";
import { SinkRejectedError, SinkUnavailableError } from "../../src/sinks/sink.js";
import { hexOf } from "../mg/thrift/hex.js";
import { TcpProxy } from "../support/tcp-proxy.js";
import { waitFor } from "../support/wait.js";

const NATS_URL = process.env.RATCHET_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const NATS_ADDRESS = new URL(NATS_URL);
/** Guards against a hang; the sink's own waits are bounded far below it. */
const TEST_TIMEOUT_MS = 60_000;

let server: { readonly nc: NatsConnection; readonly jsm: JetStreamManager } | undefined;
let unreachableReason = "";

before(async () => {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 5_000 });
    server = { nc, jsm: await nc.jetstreamManager() };
  } catch (error) {
    unreachableReason = `no NATS server with JetStream at ${NATS_URL}: ${String(error)}`;
  }
});

after(async () => {
  await server?.nc.close();
});

interface Fixture {
  readonly stream: string;
  readonly subjectPrefix: string;
  readonly jsm: JetStreamManager;
  readonly nc: NatsConnection;
  /** A sink on this fixture's stream, closed after the test. */
  sink(options?: Partial<NatsSinkOptions>): NatsSink;
}

/** A test with a fresh stream name and subject prefix; the stream is deleted afterwards, whatever happened. */
function natsTest(name: string, body: (fixture: Fixture, t: TestContext) => Promise<void>): void {
  test(name, { timeout: TEST_TIMEOUT_MS }, async (t) => {
    if (server === undefined) {
      t.skip(unreachableReason);
      return;
    }
    const id = randomUUID().replaceAll("-", "");
    const stream = `RATCHET_TEST_${id}`;
    const sinks: NatsSink[] = [];
    const fixture: Fixture = {
      stream,
      subjectPrefix: `ratchet-test.${id}`,
      jsm: server.jsm,
      nc: server.nc,
      sink(options = {}) {
        const sink = new NatsSink({
          name: "nats-test",
          servers: NATS_URL,
          stream,
          subjectPrefix: this.subjectPrefix,
          ...options,
        });
        sinks.push(sink);
        return sink;
      },
    };
    try {
      await body(fixture, t);
    } finally {
      await Promise.all(sinks.map((sink) => sink.close()));
      await server.jsm.streams.delete(stream).catch(() => false);
    }
  });
}

const CREATED_AT_US = Date.UTC(2024, 0, 1) * 1000;

function event(machineId: string, eventId: number, namespace = "pay.ments"): EventRecord {
  return {
    kind: "event",
    namespace,
    machineId,
    eventId,
    createdAtUs: CREATED_AT_US + eventId,
    ...(eventId % 2 === 0 && { formatVersion: 2 }),
    data: encodeValue({ str: `${machineId} #${eventId}` }),
  };
}

function lifecycle(machineId: string, sequence: number, kind: "created" | "removed"): OutboxRecord {
  return {
    kind: "lifecycle",
    namespace: "pay.ments",
    machineId,
    createdAtUs: CREATED_AT_US,
    change: { kind },
    sequence,
  };
}

/** Machines whose names would break a subject unescaped, their records interleaved. */
function mixedBatch(): OutboxRecord[] {
  return [
    lifecycle("m 1", 1, "created"),
    event("m 1", 1),
    event("*", 1),
    event("m 1", 2),
    event(">", 1),
    event("a/b", 1),
    event("*", 2),
    event("m 1", 3),
    event("", 1),
    event("ünï.code", 1),
    { ...event("plain", 1), namespace: "ns" },
    lifecycle("*", 2, "removed"),
    event("a/b", 2),
  ];
}

interface StoredMessage {
  readonly sequence: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

/** Every message of the stream, in stream order, read by an ordered JetStream consumer. */
async function readStream(fixture: Fixture): Promise<StoredMessage[]> {
  const info = await fixture.jsm.streams.info(fixture.stream);
  const count = info.state.messages;
  if (count === 0) return [];
  const consumer = await fixture.nc.jetstream().consumers.get(fixture.stream);
  const messages = await consumer.fetch({ max_messages: count, expires: 10_000 });
  const stored: StoredMessage[] = [];
  for await (const message of messages) {
    const headers: Record<string, string> = {};
    for (const key of message.headers?.keys() ?? []) headers[key] = message.headers!.get(key);
    stored.push({ sequence: message.seq, subject: message.subject, data: message.data, headers });
  }
  assert.equal(stored.length, count, "the consumer read every stored message");
  return stored;
}

function machineOf(record: OutboxRecord): string {
  return JSON.stringify([record.namespace, record.machineId]);
}

/** Checks that the stream holds exactly these records, once each, with their bytes, in order per machine. */
function assertStoredOnceInMachineOrder(
  fixture: Fixture,
  stored: StoredMessage[],
  records: OutboxRecord[],
): void {
  const byMessageId = new Map(records.map((record) => [recordMessageId(record), record]));
  assert.equal(stored.length, byMessageId.size, "one message per record");
  const storedOrder = new Map<string, string[]>();
  for (const message of stored) {
    const messageId = message.headers["Nats-Msg-Id"]!;
    const record = byMessageId.get(messageId);
    assert.ok(record !== undefined, `unexpected message id ${messageId}`);
    assert.equal(message.subject, recordSubject(fixture.subjectPrefix, record));
    const payload = record.kind === "event" ? sinkEventValue(record) : lifecycleEventValue(record);
    assert.equal(hexOf(message.data), hexOf(payload), `payload of ${messageId}`);
    for (const [name, value] of recordHeaders(record)) assert.equal(message.headers[name], value, name);
    assert.equal(decodeToken(message.headers["ratchet-namespace"]!), record.namespace);
    assert.equal(decodeToken(message.headers["ratchet-machine-id"]!), record.machineId);
    const machine = machineOf(record);
    storedOrder.set(machine, [...(storedOrder.get(machine) ?? []), messageId]);
  }
  const batchOrder = new Map<string, string[]>();
  for (const record of records) {
    const machine = machineOf(record);
    batchOrder.set(machine, [...(batchOrder.get(machine) ?? []), recordMessageId(record)]);
  }
  assert.deepEqual(storedOrder, batchOrder, "each machine's records in batch order");
}

natsTest(
  "every record is stored once with MG's payload bytes, escaped subjects, message ids and headers, in batch order per machine",
  async (fixture) => {
    const records = mixedBatch();
    await fixture.sink().publish(records);
    const stored = await readStream(fixture);
    assertStoredOnceInMachineOrder(fixture, stored, records);
    const first = stored.find(
      (message) => message.headers["Nats-Msg-Id"] === "pay%2Ements/m%201/lifecycle/1",
    )!;
    assert.equal(first.subject, `${fixture.subjectPrefix}.pay%2Ements.m%201.lifecycle`);
    assert.deepEqual(
      Object.keys(first.headers).filter((name) => name.startsWith("ratchet-")),
      ["ratchet-namespace", "ratchet-machine-id", "ratchet-lifecycle-sequence"],
    );
  },
);

natsTest(
  "the sink creates its stream: subjects <prefix>.>, file storage, the configured duplicate window",
  async (fixture) => {
    await fixture.sink({ duplicateWindowMs: 90_000 }).publish([event("m", 1)]);
    const { config } = await fixture.jsm.streams.info(fixture.stream);
    assert.deepEqual(config.subjects, [`${fixture.subjectPrefix}.>`]);
    assert.equal(config.storage, StorageType.File);
    assert.equal(config.duplicate_window, nanos(90_000));
  },
);

natsTest(
  "publishing the same batch again (a relay retry) stores no duplicate; new records in it are stored",
  async (fixture) => {
    const sink = fixture.sink();
    const records = mixedBatch();
    await sink.publish(records);
    await sink.publish(records);
    assert.equal((await fixture.jsm.streams.info(fixture.stream)).state.messages, records.length);
    const extended = [...records, event("m 1", 4), event("new", 1)];
    await fixture.sink().publish(extended);
    assertStoredOnceInMachineOrder(fixture, await readStream(fixture), extended);
  },
);

natsTest(
  "an existing stream that captures the subjects is used as it is; one that does not is SinkUnavailableError",
  async (fixture) => {
    await fixture.jsm.streams.add({
      name: fixture.stream,
      subjects: [`${fixture.subjectPrefix}.*.*.*`],
      storage: StorageType.Memory,
      duplicate_window: nanos(30_000),
    });
    await fixture.sink().publish([event("m", 1)]);
    const { config, state } = await fixture.jsm.streams.info(fixture.stream);
    assert.equal(config.duplicate_window, nanos(30_000), "the existing stream keeps its settings");
    assert.equal(state.messages, 1);

    const elsewhere = `${fixture.stream}_ELSEWHERE`;
    await fixture.jsm.streams.add({ name: elsewhere, subjects: [`${fixture.subjectPrefix}-elsewhere.>`] });
    try {
      await assert.rejects(
        fixture.sink({ stream: elsewhere }).publish([event("m", 2)]),
        (thrown: unknown) => {
          assert.ok(thrown instanceof SinkUnavailableError, String(thrown));
          assert.match(thrown.message, /captures/);
          return true;
        },
      );
    } finally {
      await fixture.jsm.streams.delete(elsewhere);
    }
  },
);

natsTest(
  "a record whose subject would be too long is SinkRejectedError naming it, and nothing of its batch is stored",
  async (fixture) => {
    const sink = fixture.sink();
    await sink.publish([event("m", 1)]);
    const tooLong = event(".".repeat(1400), 1);
    await assert.rejects(sink.publish([event("m", 2), tooLong]), (thrown: unknown) => {
      assert.ok(thrown instanceof SinkRejectedError, String(thrown));
      assert.equal(thrown.record, tooLong);
      return true;
    });
    assert.equal((await fixture.jsm.streams.info(fixture.stream)).state.messages, 1);
  },
);

natsTest(
  "a payload above the server's max_payload is SinkUnavailableError (as MG retries message_too_large); the sink stays usable",
  async (fixture) => {
    const sink = fixture.sink();
    const huge: EventRecord = {
      ...event("m", 1),
      data: encodeValue({ bin: new Uint8Array(fixture.nc.info!.max_payload + 1) }),
    };
    await assert.rejects(sink.publish([huge]), SinkUnavailableError);
    await sink.publish([event("m", 1)]);
    assert.equal((await fixture.jsm.streams.info(fixture.stream)).state.messages, 1);
  },
);

natsTest(
  "a stream deleted under the sink (no responders) makes publish SinkUnavailableError, with the error's code; the next publish creates the stream again",
  async (fixture) => {
    const sink = fixture.sink();
    await sink.publish([event("m", 1)]);
    await fixture.jsm.streams.delete(fixture.stream);
    await assert.rejects(sink.publish([event("m", 2)]), (thrown: unknown) => {
      assert.ok(thrown instanceof SinkUnavailableError, String(thrown));
      assert.equal((thrown.cause as { code?: unknown }).code, "503");
      return true;
    });
    await sink.publish([event("m", 2)]);
    assertStoredOnceInMachineOrder(fixture, await readStream(fixture), [event("m", 2)]);
  },
);

natsTest(
  "another stream that took the subjects over refuses the message (JetStream's API error): SinkUnavailableError, nothing stored there",
  async (fixture) => {
    const sink = fixture.sink();
    await sink.publish([event("m", 1)]);
    await fixture.jsm.streams.delete(fixture.stream);
    const other = `${fixture.stream}_OTHER`;
    await fixture.jsm.streams.add({ name: other, subjects: [`${fixture.subjectPrefix}.>`] });
    try {
      await assert.rejects(sink.publish([event("m", 2)]), (thrown: unknown) => {
        assert.ok(thrown instanceof SinkUnavailableError, String(thrown));
        const cause = thrown.cause as { api_error?: { err_code?: number } };
        assert.equal(typeof cause.api_error?.err_code, "number", "the stream's own error code");
        return true;
      });
      assert.equal((await fixture.jsm.streams.info(other)).state.messages, 0);
    } finally {
      await fixture.jsm.streams.delete(other);
    }
  },
);

natsTest(
  "a publish whose ack does not come within the ack timeout is SinkUnavailableError (TIMEOUT); the late acks change nothing, and a retry stores each record once",
  async (fixture) => {
    const proxy = await TcpProxy.start({
      host: NATS_ADDRESS.hostname,
      port: Number(NATS_ADDRESS.port || 4222),
    });
    try {
      const sink = fixture.sink({ servers: `nats://127.0.0.1:${proxy.port}`, ackTimeoutMs: 500 });
      await sink.publish([event("m1", 1)]);
      proxy.holdReplies(); // the publishes reach the server, which stores them; the acks are held back
      await assert.rejects(sink.publish([event("m1", 2), event("m2", 1)]), (thrown: unknown) => {
        assert.ok(thrown instanceof SinkUnavailableError, String(thrown));
        assert.equal((thrown.cause as { code?: unknown }).code, "TIMEOUT");
        return true;
      });
      proxy.releaseReplies(); // the late acks find nothing waiting for them
      const records = [event("m1", 2), event("m2", 1), event("m1", 3)];
      await sink.publish(records);
      assertStoredOnceInMachineOrder(fixture, await readStream(fixture), [event("m1", 1), ...records]);
    } finally {
      await proxy.stop();
    }
  },
);

natsTest(
  "a lost connection makes publish SinkUnavailableError; once the server is reachable again a retry stores every record once, in order",
  async (fixture) => {
    const proxy = await TcpProxy.start({
      host: NATS_ADDRESS.hostname,
      port: Number(NATS_ADDRESS.port || 4222),
    });
    try {
      const sink = fixture.sink({ servers: `nats://127.0.0.1:${proxy.port}`, ackTimeoutMs: 1_000 });
      const first = [event("m1", 1), event("m2", 1)];
      await sink.publish(first);

      await proxy.stop();
      const second = [event("m1", 2), event("m2", 2), event("m1", 3), event("m3", 1)];
      await assert.rejects(sink.publish(second), SinkUnavailableError);

      await proxy.resume();
      // The relay's part: retry the whole batch until the sink takes it.
      await waitFor(
        "a publish after the reconnect",
        async () => {
          try {
            await sink.publish(second);
            return true;
          } catch (error) {
            if (error instanceof SinkUnavailableError) return false;
            throw error;
          }
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      assertStoredOnceInMachineOrder(fixture, await readStream(fixture), [...first, ...second]);
    } finally {
      await proxy.stop();
    }
  },
);

test("a server that cannot be reached (a closed port) makes publish SinkUnavailableError", {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const { port } = listener.address() as { port: number };
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  const sink = new NatsSink({
    name: "closed",
    servers: `nats://127.0.0.1:${port}`,
    stream: "CLOSED",
    subjectPrefix: "closed",
  });
  try {
    await assert.rejects(sink.publish([event("m", 1)]), (thrown: unknown) => {
      assert.ok(thrown instanceof SinkUnavailableError, String(thrown));
      assert.equal(thrown.transient, true);
      return true;
    });
  } finally {
    await sink.close();
  }
});
