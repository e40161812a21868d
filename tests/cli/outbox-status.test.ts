/**
 * Proves `ratchet outbox status` against the real NATS server on 127.0.0.1:4222: a configuration with a NATS
 * event sink (a fresh stream, deleted after); machines started through the CLI leave their events in the outbox
 * (the CLI's one-off node publishes nothing), status reports them with their lag; a node built from the same
 * configuration publishes them, and status then reports none.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parseConfig } from "../../src/config/config.js";
import { createNodeFromConfig } from "../../src/runtime/node-from-config.js";
import { startTestProcessor, type TestProcessor } from "../mg/woody-e2e/mg-test-processor.js";
import { NATS_URL, StreamReader } from "../support/nats-stream.js";
import { waitFor } from "../support/wait.js";
import { runCli, runCliOk } from "./cli-process.js";

const STREAM = `ratchet_cli_outbox_${randomBytes(4).toString("hex")}`;
const PREFIX = `cli.${randomBytes(4).toString("hex")}`;

let directory: string;
let processor: TestProcessor;
let reader: StreamReader;
let configText: string;
let configPath: string;

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-cli-outbox-"));
  processor = await startTestProcessor();
  reader = await StreamReader.open();
  configText = `
storage:
  type: sqlite
  path: ${join(directory, "ratchet.db")}
namespaces:
  orders:
    processor:
      url: ${processor.url}
    event_sinks:
      events:
        type: nats
        url: ${NATS_URL}
        stream: ${STREAM}
        subject_prefix: ${PREFIX}
`;
  configPath = join(directory, "ratchet.yaml");
  writeFileSync(configPath, configText);
});

after(async () => {
  await reader.deleteStream(STREAM);
  await reader.close();
  await processor.close();
  rmSync(directory, { recursive: true, force: true });
});

interface Status {
  sinks: {
    sink: string;
    target: string;
    records: number;
    parked: number;
    oldestCommittedAt: string | null;
    lagMs: number | null;
  }[];
}

async function status(): Promise<Status> {
  return JSON.parse(await runCliOk(["outbox", "status", "--json", "--config", configPath])) as Status;
}

test("outbox status: records waiting per sink and their lag, then none once a node has published them", async () => {
  const missing = await runCli(["outbox", "status", "--config", configPath]);
  assert.equal(missing.code, 2, "a database nothing has created yet is not read as empty");
  assert.match(
    missing.stderr,
    /^error: there is no SQLite database at .*ratchet\.db \(ratchet migrate or the first node creates it\)\n$/,
  );
  await runCliOk(["migrate", "--config", configPath]);
  const empty = await runCliOk(["outbox", "status", "--config", configPath]);
  assert.equal(
    empty,
    `sink           records  lag  parked  target\norders/events  0        -    0       nats ${NATS_URL} stream ${STREAM} subjects ${PREFIX}.>\n`,
  );

  await runCliOk([
    "machine",
    "start",
    "orders",
    "o1",
    "--args",
    '["fire", 2, "placed", null]',
    "--config",
    configPath,
  ]);
  await runCliOk([
    "machine",
    "start",
    "orders",
    "o2",
    "--args",
    '["fire", 1, "placed", null]',
    "--config",
    configPath,
  ]);
  const waiting = await status();
  assert.equal(waiting.sinks.length, 1);
  const [sink] = waiting.sinks;
  assert.equal(sink?.sink, "orders/events");
  assert.equal(sink?.records, 3);
  assert.ok(sink?.lagMs !== null && sink?.lagMs !== undefined && sink.lagMs >= 0, "a lag is reported");
  assert.match(sink?.oldestCommittedAt ?? "", /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/);
  assert.match(
    await runCliOk(["outbox", "status", "--config", configPath]),
    /\norders\/events {2}3 {8}\d+(ms|\.\ds) +0 +nats /,
  );

  const node = await createNodeFromConfig(parseConfig(configText, {}));
  try {
    await waitFor("the relay's publishes", async () => (await reader.messages(STREAM)).length === 3, {
      timeoutMs: 15_000,
      intervalMs: 50,
    });
    await waitFor("the outbox emptied", async () => (await status()).sinks[0]?.records === 0, {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
  } finally {
    await node.close();
  }
  assert.deepEqual((await status()).sinks[0], {
    sink: "orders/events",
    target: `nats ${NATS_URL} stream ${STREAM} subjects ${PREFIX}.>`,
    records: 0,
    parked: 0,
    oldestCommittedAt: null,
    lagMs: null,
  });
});

test("outbox status needs a configuration (sink names come from it) and refuses an unknown command", async () => {
  const withDb = await runCli(["outbox", "status", "--db", join(directory, "ratchet.db")]);
  assert.equal(withDb.code, 2);
  assert.match(withDb.stderr, /needs --config FILE: sink names come from the configuration/);
  const unknown = await runCli(["outbox", "drain", "--config", configPath]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "drain"\n\nusage: ratchet outbox <command>/);
});
