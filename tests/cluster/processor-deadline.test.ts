/**
 * A processor call ends before its lease can (DESIGN invariant 10), so two invocations for one machine are never
 * in flight at once. Two nodes (child processes, leases of 1 s) run machines whose processor, in the test process,
 * counts overlapping invocations per machine. The first attempt of one step is slower than the lease; the node
 * running it is frozen with SIGSTOP. The processor honours `woody.deadline`: it stops at the deadline, which must
 * be earlier than the lease's expiry, so when the other node takes the machine over, the frozen node's call is
 * over. Every machine finishes with each step once, in order, and the processor saw no overlap. In process: a lost
 * lease aborts the processor call at once.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { LeaseLostError, StorageUnavailableError } from "../../src/core/errors.js";
import { createWoodyProcessor } from "../../src/mg/processor/woody-processor.js";
import { localProcessor } from "../../src/processors/local-processor.js";
import { createNode } from "../../src/runtime/create-node.js";
import {
  createDisposableDatabase,
  createMigratedTemplate,
  type DisposableDatabase,
} from "../../src/storage/postgres/disposable-database.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json } from "../support/json-payload.js";
import { encodeValue, startOverlapProcessor, stepOfAux } from "../support/overlap-processor.js";
import { withOverrides } from "../support/storage-overrides.js";
import { waitFor } from "../support/wait.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NODE_SCRIPT = fileURLToPath(new URL("../support/woody-chain-node.js", import.meta.url));
const LEASE_MS = 1000;
let template: DisposableDatabase;

before(async () => {
  template = await createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_deadline_tpl",
    schema: "ratchet",
    nowUs: Date.now() * 1000,
  });
});
after(() => template.drop());

interface Child {
  readonly process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

async function spawnWoodyNode(url: string, processorUrl: string): Promise<Child> {
  const child = spawn(
    process.execPath,
    [NODE_SCRIPT, "--url", url, "--processor", processorUrl, "--lease-ms", String(LEASE_MS)],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await waitFor("the node to be ready", () => output.includes("ready"), { timeoutMs: 15_000 });
  return {
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGCONT");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

test("a processor slower than the lease never overlaps itself when its node is frozen past the lease", async () => {
  const database = await createDisposableDatabase(ADMIN_URL, {
    prefix: "ratchet_deadline",
    template: template.name,
  });
  const processor = await startOverlapProcessor({ steps: 6, slowStep: 3, slowMs: 3 * LEASE_MS });
  const nodes: Child[] = [];
  const admin = new pg.Client({ connectionString: database.connectionString });
  await admin.connect();
  const starterProcessor = createWoodyProcessor({ url: processor.url, nowUs: () => Date.now() * 1000 });
  const starter = await createNode({
    storage: { kind: "postgres", url: database.connectionString, poolSize: 2, migrate: false },
    namespaces: () => [{ name: "woody", processor: starterProcessor }],
    leaseDurationMs: LEASE_MS,
    schedulerEnabled: false,
  });
  try {
    nodes.push(await spawnWoodyNode(database.connectionString, processor.url));
    nodes.push(await spawnWoodyNode(database.connectionString, processor.url));
    const ids = ["m0", "m1", "m2", "m3"];
    await Promise.all(ids.map((id) => starter.engine.start("woody", id, encodeValue({ nl: {} }))));
    const slowMachine = await processor.slowAttemptStarted;
    const { rows } = await admin.query<{ owner: string }>(
      "SELECT owner FROM ratchet.leases WHERE namespace = 'woody' AND machine_id = $1",
      [slowMachine],
    );
    const pid = Number(rows[0]?.owner.split(":")[1]);
    const frozen = nodes.find((node) => node.process.pid === pid);
    assert.ok(frozen !== undefined, "the node running the slow attempt is one of the two");
    frozen.process.kill("SIGSTOP");
    await waitFor(
      "every machine to finish on the other node",
      async () => {
        for (const id of ids) {
          const { record } = await starter.engine.get("woody", id, { limit: 0, direction: "forward" });
          if (stepOfAux(record.auxState.data) < 6) return false;
        }
        return true;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    frozen.process.kill("SIGCONT");
    assert.deepEqual(processor.overlaps, [], "no two invocations of one machine were in flight at once");
    assert.equal(processor.slowAttemptEnd(), "deadline", "the slow attempt stopped at its deadline");
    for (const id of ids) {
      const snapshot = await starter.engine.get("woody", id);
      assert.deepEqual(
        snapshot.history.map((event) => stepOfAux(event.data)),
        [1, 2, 3, 4, 5, 6].slice(0, snapshot.history.length),
        `${id}: each step once, in order`,
      );
    }
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
    await starter.close();
    await starterProcessor.close?.();
    await admin.end();
    await processor.close();
    await database.drop();
  }
});

test("a lost lease aborts the processor call in flight", async () => {
  const storage = new SqliteStorage({ path: ":memory:", nowUs: () => Date.now() * 1000 });
  let aborted = false;
  let renewalsLose = false;
  const losing = withOverrides(storage, {
    renewLeases: async (real, leases, untilUs) =>
      renewalsLose ? [...leases] : real.renewLeases(leases, untilUs),
  });
  const fixture = createTestEngine({
    storage: losing,
    leaseDurationMs: 1500,
    namespaces: [
      {
        name: "abort",
        processor: localProcessor({
          init: () => ({}),
          call: (_input, options) =>
            new Promise((_resolve, reject) => {
              options.abortSignal.addEventListener("abort", () => {
                aborted = true;
                reject(new StorageUnavailableError("stopped"));
              });
            }),
        }),
      },
    ],
  });
  try {
    await fixture.engine.start("abort", "m", json({}));
    const call = fixture.engine.call("abort", "m", json("wait"), {
      deadlineUs: Date.now() * 1000 + 10_000_000,
    });
    renewalsLose = true;
    // A deadline would end it as ProcessorTimeoutError, later; the lost lease ends it first, as LeaseLostError.
    await assert.rejects(call, LeaseLostError);
    assert.ok(aborted, "the processor saw its call aborted");
  } finally {
    await fixture.close();
    await storage.close();
  }
});
