/**
 * Proves that `event_sinks` of `type: nats` are applied: a configuration parsed by the real loader becomes a node
 * (createNodeFromConfig) whose relay publishes a started machine's events to the configured stream on the real
 * NATS server at 127.0.0.1:4222, under `<subject_prefix>.<ns>.<id>.events`; read back with StreamReader, then
 * the stream is deleted. The machine is started through MG's test processor served over woody on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { connect } from "nats";
import { parseConfig } from "../../src/config/config.js";
import { encodeValue } from "../../src/mg/msgpack/msgpack-value.js";
import { createNodeFromConfig } from "../../src/runtime/node-from-config.js";
import { startTestProcessor, type TestProcessor } from "../mg/woody-e2e/mg-test-processor.js";
import { NATS_URL, StreamReader } from "../support/nats-stream.js";
import { waitFor } from "../support/wait.js";

const STREAM = `ratchet_config_nats_${randomBytes(4).toString("hex")}`;
const PREFIX = `config.${randomBytes(4).toString("hex")}`;

let processor: TestProcessor;
let reader: StreamReader;

before(async () => {
  processor = await startTestProcessor();
  reader = await StreamReader.open();
});

after(async () => {
  await reader.deleteStream(STREAM);
  await reader.close();
  await processor.close();
});

test("a node from a configuration with a NATS event sink publishes a started machine's events to the stream", async () => {
  const config = parseConfig(
    `
storage: {type: memory}
namespaces:
  orders:
    processor:
      url: ${processor.url}
    event_sinks:
      stream:
        type: nats
        url: ${NATS_URL}
        stream: ${STREAM}
        subject_prefix: ${PREFIX}
`,
    {},
  );
  const node = await createNodeFromConfig(config);
  try {
    assert.deepEqual(
      node.relays.map((relay) => relay.sink.name),
      ["orders/stream"],
    );
    const command = { arr: [{ str: "fire" }, { i: 3n }, { str: "placed" }, { nl: {} }] };
    await node.engine.start("orders", "order-1", encodeValue(command));
    const messages = await waitFor(
      "three events in the stream",
      async () => {
        const read = await reader.messages(STREAM);
        return read.length === 3 ? read : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    assert.deepEqual(
      messages.map((message) => [message.namespace, message.machineId, message.eventId]),
      [
        ["orders", "order-1", 1],
        ["orders", "order-1", 2],
        ["orders", "order-1", 3],
      ],
    );
    assert.deepEqual(
      messages.map((message) => message.headers["ratchet-event-id"]),
      ["1", "2", "3"],
    );
    const nc = await connect({ servers: NATS_URL, timeout: 5000 });
    try {
      const jsm = await nc.jetstreamManager();
      const info = await jsm.streams.info(STREAM);
      assert.deepEqual(info.config.subjects, [`${PREFIX}.>`], "the sink created the stream for the prefix");
      const first = await jsm.streams.getMessage(STREAM, { seq: messages[0]!.sequence });
      assert.equal(
        first.subject,
        `${PREFIX}.orders.order-1.events`,
        "the prefix is not followed by a second namespace",
      );
    } finally {
      await nc.close();
    }
  } finally {
    await node.close();
  }
});
