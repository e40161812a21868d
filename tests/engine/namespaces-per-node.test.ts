/**
 * Nodes of one database may serve different namespaces (a rolling deploy adds a namespace on some nodes first):
 * a node claims only the timers and notifications of its own namespaces. On one fresh PostgreSQL database, node A
 * serves "a" and node B serves "a" and "b". Machines of both namespaces chain timers and get notifications; each
 * namespace's machines finish promptly, A never claims a "b" machine (it would hold its lease for the lease
 * duration, 30 s, without running it), and neither node reports an error.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { NamespaceOptions } from "../../src/engine/namespace.js";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import {
  createDisposableDatabase,
  createMigratedTemplate,
  type DisposableDatabase,
} from "../../src/storage/postgres/disposable-database.js";
import { PostgresStorage } from "../../src/storage/postgres/postgres-storage.js";
import { createTestEngine, type EngineFixture } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";
import { withOverrides } from "../support/storage-overrides.js";
import { waitFor } from "../support/wait.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const STEPS = 5;
const MACHINES = 10;
let template: DisposableDatabase;
let database: DisposableDatabase;

before(async () => {
  template = await createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_ns_tpl",
    schema: "ratchet",
    nowUs: Date.now() * 1000,
  });
  database = await createDisposableDatabase(ADMIN_URL, { prefix: "ratchet_ns", template: template.name });
});
after(async () => {
  await database.drop();
  await template.drop();
});

/** Counts steps in the aux state; each timer step arms the next at once-ish until STEPS; a notification adds one. */
function chain(name: string): NamespaceOptions {
  const count = (data: Uint8Array) =>
    data.byteLength === 0 ? { steps: 0, notified: 0 } : parse<{ steps: number; notified: number }>(data);
  return {
    name,
    processor: localProcessor({
      init: () => ({ auxState: { data: json({ steps: 0, notified: 0 }) }, timer: timer.after(5) }),
      timer: ({ machine }) => {
        const state = count(machine.auxState.data);
        const next = { ...state, steps: state.steps + 1 };
        return { auxState: { data: json(next) }, timer: next.steps < STEPS ? timer.after(5) : timer.unset() };
      },
      notification: ({ machine }) => {
        const state = count(machine.auxState.data);
        return { auxState: { data: json({ ...state, notified: state.notified + 1 }) } };
      },
    }),
  };
}

function openStorage(name: string): Promise<PostgresStorage> {
  return PostgresStorage.open({
    connectionString: database.connectionString,
    poolSize: 4,
    statementTimeoutMs: 10_000,
    applicationName: name,
    nowUs: () => Date.now() * 1000,
    migrate: false,
  });
}

test("a node claims only the work of its own namespaces; the others' machines are not held up", async () => {
  const [storageA, storageB] = [await openStorage("node-a"), await openStorage("node-b")];
  const claimedByA = new Set<string>();
  const recordingA = withOverrides(storageA, {
    claimDueTimers: async (real, options) => {
      const claimed = await real.claimDueTimers(options);
      for (const entry of claimed) claimedByA.add(entry.record.namespace);
      return claimed;
    },
    claimDueNotifications: async (real, options) => {
      const claimed = await real.claimDueNotifications(options);
      for (const entry of claimed) claimedByA.add(entry.record.namespace);
      return claimed;
    },
  });
  const errors: unknown[] = [];
  const nodes: EngineFixture[] = [
    createTestEngine({
      namespaces: [chain("a")],
      storage: recordingA,
      owner: "node-a",
      onError: (e) => errors.push(e),
    }),
    createTestEngine({
      namespaces: [chain("a"), chain("b")],
      storage: storageB,
      owner: "node-b",
      onError: (e) => errors.push(e),
    }),
  ];
  const [nodeA, nodeB] = nodes as [EngineFixture, EngineFixture];
  try {
    const ids = Array.from({ length: MACHINES }, (_, index) => `m${index}`);
    await Promise.all(
      ids.flatMap((id) => [nodeA.engine.start("a", id, json({})), nodeB.engine.start("b", id, json({}))]),
    );
    await Promise.all(ids.map((id) => nodeB.engine.notify("b", id, json("ping"))));
    const finished = async (namespace: string) => {
      for (const id of ids) {
        const { record } = await nodeB.engine.get(namespace, id);
        const state = parse<{ steps: number; notified: number }>(record.auxState.data);
        if (state.steps < STEPS || (namespace === "b" && state.notified < 1)) return false;
      }
      return true;
    };
    await waitFor("every machine of b to finish its steps and take its notification", () => finished("b"), {
      timeoutMs: 10_000,
    });
    await waitFor("every machine of a to finish", () => finished("a"), { timeoutMs: 10_000 });
    assert.deepEqual([...claimedByA], ["a"], "A claimed work of its own namespace only");
    assert.deepEqual(errors, []);
  } finally {
    for (const node of nodes) await node.close();
    await storageA.close();
    await storageB.close();
  }
});
