/**
 * Warm leases: after a request's step a node keeps the machine's lease for a while, so the next request runs
 * without taking it again; on PostgreSQL another node that needs the machine asks for it over the database's
 * wake channel and gets it at once, not when the warm time has passed. Two engines (two nodes, each with its own
 * storage and owner) on one fresh database; the lease table is read directly. On SQLite, which carries no such
 * requests, a second node on the same file gets the machine once the warm time has passed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import { pack, unpack } from "../../src/processors/payload.js";
import type { DisposableDatabase } from "../../src/storage/postgres/disposable-database.js";
import {
  createDisposableDatabase,
  createMigratedTemplate,
} from "../../src/storage/postgres/disposable-database.js";
import { PostgresStorage } from "../../src/storage/postgres/postgres-storage.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import type { Storage } from "../../src/storage/storage.js";
import type { EngineFixture } from "../support/engine-fixture.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { withOverrides } from "../support/storage-overrides.js";
import { waitFor } from "../support/wait.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
/** Far longer than any wait below: a test that waited for a warm lease to pass would time out instead. */
const WARM_FOREVER_MS = 120_000;
/** What a request at the other node may take, at most, with the lease handed over on request. */
const HANDOVER_BOUND_MS = 10_000;

let template: DisposableDatabase;
let database: DisposableDatabase;
let admin: pg.Client;
const storages: PostgresStorage[] = [];
const fixtures: EngineFixture[] = [];

before(async () => {
  template = await createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_warm_tpl",
    schema: "ratchet",
    nowUs: Date.now() * 1000,
  });
  database = await createDisposableDatabase(ADMIN_URL, { prefix: "ratchet_warm", template: template.name });
  admin = new pg.Client({ connectionString: database.connectionString });
  await admin.connect();
});

after(async () => {
  for (const fixture of fixtures) await fixture.close();
  for (const storage of storages) await storage.close();
  await admin.end();
  await database.drop();
  await template.drop();
});

/** Each call adds one to the aux state and appends an event holding the new count; `timer` sets a timer. */
const counter = localProcessor({
  init: () => ({ events: [{ data: pack(0) }], auxState: { data: pack(0) } }),
  call: ({ args, machine }) => {
    const n = (unpack(machine.auxState.data) as number) + 1;
    const action = unpack(args);
    return {
      events: [{ data: pack(n) }],
      auxState: { data: pack(n) },
      response: pack(n),
      ...(action === "timer" ? { timer: timer.after(300) } : {}),
    };
  },
  timer: ({ machine }) => ({
    events: [{ data: pack("timer") }],
    auxState: machine.auxState,
    timer: timer.unset(),
  }),
  notification: ({ machine }) => ({ events: [{ data: pack("notified") }], auxState: machine.auxState }),
});

async function openNode(name: string, leaseWarmMs: number, wrap: (storage: Storage) => Storage = (s) => s) {
  const storage = await PostgresStorage.open({
    connectionString: database.connectionString,
    poolSize: 4,
    statementTimeoutMs: 10_000,
    applicationName: `ratchet-warm-${name}`,
    nowUs: () => Date.now() * 1000,
    migrate: false,
  });
  storages.push(storage);
  const fixture = createTestEngine({
    storage: wrap(storage),
    owner: `node-${name}`,
    leaseWarmMs,
    namespaces: [{ name: "pay", processor: counter }],
  });
  fixtures.push(fixture);
  return fixture;
}

async function leaseOwner(machineId: string): Promise<string | null> {
  const { rows } = await admin.query<{ owner: string }>(
    "SELECT owner FROM ratchet.leases WHERE namespace = 'pay' AND machine_id = $1",
    [machineId],
  );
  return rows[0]?.owner ?? null;
}

/** The request, or a failure naming what it waited for if it takes longer than the bound. */
async function withinBound<T>(what: string, request: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} waited for the warm lease`)), HANDOVER_BOUND_MS);
  });
  try {
    return await Promise.race([request, bound]);
  } finally {
    clearTimeout(timer);
  }
}

test("a node keeps a machine's lease warm between calls: the calls after the first take no lease", async () => {
  let acquired = 0;
  const node = await openNode("solo", WARM_FOREVER_MS, (storage) =>
    withOverrides(storage, {
      acquireLease(real, options) {
        if (options.machineId === "solo") acquired += 1;
        return real.acquireLease(options);
      },
    }),
  );
  await node.engine.start("pay", "solo", pack(null));
  for (let call = 1; call <= 10; call += 1) {
    assert.equal(unpack(await node.engine.call("pay", "solo", pack(null))), call);
  }
  assert.equal(acquired, 1, "one lease for the start and the ten calls");
  assert.equal(await leaseOwner("solo"), "node-solo", "held warm after the last call");
});

test("a call at another node gets a machine held warm at once, and each node's calls see the other's", async () => {
  const a = await openNode("a", WARM_FOREVER_MS);
  const b = await openNode("b", WARM_FOREVER_MS);
  await a.engine.start("pay", "shared", pack(null));
  assert.equal(unpack(await a.engine.call("pay", "shared", pack(null))), 1);
  assert.equal(await leaseOwner("shared"), "node-a");
  assert.equal(unpack(await withinBound("B's call", b.engine.call("pay", "shared", pack(null)))), 2);
  assert.equal(await leaseOwner("shared"), "node-b", "A gave the lease up when B asked; B holds it warm");
  assert.equal(unpack(await withinBound("A's call", a.engine.call("pay", "shared", pack(null)))), 3);
  for (let round = 0; round < 5; round += 1) {
    await withinBound("B's call", b.engine.call("pay", "shared", pack(null)));
    await withinBound("A's call", a.engine.call("pay", "shared", pack(null)));
  }
  const machine = await b.engine.get("pay", "shared");
  assert.deepEqual(
    machine.history.map((event) => unpack(event.data)),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
    "every call committed once, in order, whichever node ran it",
  );
});

test("a notification stored at another node is delivered at once, though a node holds the machine warm", async () => {
  const holder = await openNode("holder", WARM_FOREVER_MS);
  const other = await openNode("other", WARM_FOREVER_MS);
  await holder.engine.start("pay", "notified", pack(null));
  await holder.engine.call("pay", "notified", pack(null));
  assert.equal(await leaseOwner("notified"), "node-holder");
  await other.engine.notify("pay", "notified", pack("hello"));
  await waitFor(
    "the notification's step",
    async () =>
      (await other.engine.get("pay", "notified")).history.some((event) => unpack(event.data) === "notified"),
    { timeoutMs: HANDOVER_BOUND_MS },
  );
});

test("a warm lease is given up when its time has passed; a timer falling due meanwhile runs under it", async () => {
  const node = await openNode("brief", 1000);
  await node.engine.start("pay", "brief", pack(null));
  await node.engine.call("pay", "brief", pack(null));
  assert.equal(await leaseOwner("brief"), "node-brief", "warm after the call");
  await waitFor("the warm lease to be given up", async () => (await leaseOwner("brief")) === null);

  // Every node of this file runs a scheduler on "pay": had the holder released the lease when the timer fell due,
  // any of them could have claimed the timer. It released nothing and claimed nothing: the step ran under it.
  let releasedOrClaimed = 0;
  const holder = await openNode("timer", WARM_FOREVER_MS, (storage) =>
    withOverrides(storage, {
      releaseLease(real, lease) {
        if (lease.machineId === "timed") releasedOrClaimed += 1;
        return real.releaseLease(lease);
      },
      async claimDueTimers(real, options) {
        const claimed = await real.claimDueTimers(options);
        releasedOrClaimed += claimed.filter(({ record }) => record.id === "timed").length;
        return claimed;
      },
    }),
  );
  await holder.engine.start("pay", "timed", pack(null));
  await holder.engine.call("pay", "timed", pack("timer"));
  await waitFor(
    "the timer step to run under the warm lease",
    async () => {
      const machine = await holder.engine.get("pay", "timed");
      return machine.history.some((event) => unpack(event.data) === "timer");
    },
    { timeoutMs: HANDOVER_BOUND_MS },
  );
  assert.equal(releasedOrClaimed, 0, "the holder neither released the lease nor claimed the timer");
});

test("a closing node gives its warm leases up at once", async () => {
  const node = await openNode("closing", WARM_FOREVER_MS);
  await node.engine.start("pay", "closing", pack(null));
  await node.engine.call("pay", "closing", pack(null));
  assert.equal(await leaseOwner("closing"), "node-closing");
  await withinBound("closing", node.close());
  assert.equal(await leaseOwner("closing"), null);
});

test("on SQLite a node keeps the lease warm too; a second node on the file gets the machine after the warm time", async () => {
  const folder = mkdtempSync(join(tmpdir(), "ratchet-warm-sqlite-"));
  const path = join(folder, "warm.db");
  const opened: { storage: SqliteStorage; fixture: EngineFixture }[] = [];
  const open = (name: string, wrap: (storage: Storage) => Storage = (s) => s) => {
    const storage = new SqliteStorage({ path, nowUs: () => Date.now() * 1000 });
    const fixture = createTestEngine({
      storage: wrap(storage),
      owner: `sqlite-${name}`,
      leaseWarmMs: 300,
      namespaces: [{ name: "pay", processor: counter }],
    });
    opened.push({ storage, fixture });
    return fixture;
  };
  try {
    let acquired = 0;
    const a = open("a", (storage) =>
      withOverrides(storage, {
        acquireLease(real, options) {
          acquired += 1;
          return real.acquireLease(options);
        },
      }),
    );
    const b = open("b");
    await a.engine.start("pay", "m", pack(null));
    for (let call = 1; call <= 5; call += 1)
      assert.equal(unpack(await a.engine.call("pay", "m", pack(null))), call);
    assert.equal(acquired, 1, "one lease for the start and the five calls");
    assert.equal(unpack(await withinBound("B's call", b.engine.call("pay", "m", pack(null)))), 6);
    assert.equal(unpack(await withinBound("A's call", a.engine.call("pay", "m", pack(null)))), 7);
  } finally {
    for (const { storage, fixture } of opened) {
      await fixture.close();
      await storage.close();
    }
    rmSync(folder, { recursive: true, force: true });
  }
});
