/**
 * Publishing through crashes, end to end on real parts: two `ratchet` nodes on one PostgreSQL database run many
 * machines through many steps while their outbox relay publishes to a real NATS JetStream. Mid-run the node that
 * leads the relay is killed with SIGKILL and the NATS server is restarted. Afterwards the stream must hold every
 * committed event, byte for byte, in order per machine once duplicates are dropped, and nothing that was not
 * committed; the number of duplicates is reported.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { promisify } from "node:util";
import pg from "pg";
import { sinkEventValue } from "../../src/mg/kafka/kafka-messages.js";
import { RELAY_LEASE_NAMESPACE } from "../../src/sinks/outbox-relay.js";
import {
  createDisposableDatabase,
  createMigratedTemplate,
} from "../../src/storage/postgres/disposable-database.js";
import { CHAIN_NAMESPACE } from "../support/chain-processor.js";
import type { ChildNode } from "../support/cluster.js";
import { checkChain, spawnNode, startChains, starterNode, waitForChains } from "../support/cluster.js";
import { StreamReader } from "../support/nats-stream.js";
import { waitFor } from "../support/wait.js";

const run = promisify(execFile);
const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NATS_ARGS = [
  "-a",
  "127.0.0.1",
  "-p",
  "4222",
  "-js",
  "-sd",
  "/var/lib/nats-server",
  "-l",
  "/var/log/nats-server.log",
];

/** Stops and starts the machine's NATS server, the way it is started before every session and in CI. */
async function restartNats(): Promise<void> {
  await run("start-stop-daemon", ["--stop", "--retry", "5", "--oknodo", "--exec", "/usr/sbin/nats-server"]);
  await run("start-stop-daemon", [
    "--start",
    "--oknodo",
    "--background",
    "--exec",
    "/usr/sbin/nats-server",
    "--",
    ...NATS_ARGS,
  ]);
}

async function relayLeaderPid(url: string): Promise<number | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ owner: string }>(
      "SELECT owner FROM ratchet.leases WHERE namespace = $1 AND expires_at_us > $2",
      [RELAY_LEASE_NAMESPACE, Date.now() * 1000],
    );
    const owner = rows[0]?.owner;
    return owner === undefined ? null : Number(owner.split(":")[1]);
  } finally {
    await client.end();
  }
}

test("every committed event reaches NATS in order per machine through a relay kill and a NATS restart", async () => {
  const stream = `cluster_${randomBytes(4).toString("hex")}`;
  const template = await createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_publish_tpl",
    schema: "ratchet",
    nowUs: Date.now() * 1000,
  });
  const database = await createDisposableDatabase(ADMIN_URL, {
    prefix: "ratchet_publish",
    template: template.name,
  });
  const url = database.connectionString;
  const nodes: ChildNode[] = [];
  const reader = await StreamReader.open();
  try {
    nodes.push(await spawnNode(url, 1000, stream), await spawnNode(url, 1000, stream));
    const starter = await starterNode(url, ["nats"]);
    const machines = Array.from({ length: 40 }, (_, index) => `pub-${index}`);
    const target = 40;
    try {
      await startChains(starter, machines, { target, delayMs: 20 });
      const leaderPid = await waitFor("a relay leader", () => relayLeaderPid(url));
      const leader = nodes.find((node) => node.pid === leaderPid);
      assert.ok(leader, "the relay leader is one of the nodes");
      await waitFor(
        "some events published",
        async () => (await reader.messages(stream).catch(() => [])).length > 50,
      );
      leader.process.kill("SIGKILL");
      const publishedBeforeRestart = (await reader.messages(stream)).length;
      await restartNats();
      await waitForChains(starter, machines, target, 90_000);
      await waitFor(
        "the outbox to drain",
        async () => (await starter.storage.outboxBacklog("nats")).records === 0,
        {
          timeoutMs: 60_000,
        },
      );
      // The reader's own connection comes back after the restart on its own time; JetStream may answer its
      // first requests late while it recovers the stream from disk.
      const messages = await waitFor(
        "the stream to be readable after the restart",
        () => reader.messages(stream),
        {
          timeoutMs: 60_000,
          intervalMs: 500,
        },
      );
      assert.ok(publishedBeforeRestart < machines.length * target, "the crashes happened mid-run");
      let duplicates = 0;
      for (const id of machines) {
        await checkChain(starter, id, target);
        const committed = (await starter.engine.get(CHAIN_NAMESPACE, id)).history;
        const seen = new Set<number>();
        const order: number[] = [];
        for (const message of messages.filter((m) => m.machineId === id)) {
          assert.ok(
            message.eventId !== null && message.eventId >= 1 && message.eventId <= target,
            "only committed events",
          );
          if (seen.has(message.eventId)) {
            duplicates += 1;
            continue;
          }
          seen.add(message.eventId);
          order.push(message.eventId);
        }
        assert.deepEqual(
          order,
          Array.from({ length: target }, (_, index) => index + 1),
          `${id}: every event, in order`,
        );
        for (const event of committed) {
          const published = messages.find((m) => m.machineId === id && m.eventId === event.id);
          const expected = sinkEventValue({
            kind: "event",
            namespace: CHAIN_NAMESPACE,
            machineId: id,
            eventId: event.id,
            createdAtUs: event.createdAtUs,
            data: event.data,
          });
          assert.ok(published, `${id} event ${event.id} was published`);
          assert.equal(
            Buffer.compare(published.data, expected),
            0,
            `${id} event ${event.id} was published byte for byte`,
          );
        }
      }
      console.log(
        `published ${messages.length} messages for ${machines.length * target} events: ${duplicates} duplicates`,
      );
    } finally {
      await starter.close();
    }
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
    await reader.deleteStream(stream).catch(() => {});
    await reader.close().catch(() => {});
    await database.drop();
    await template.drop();
  }
});
