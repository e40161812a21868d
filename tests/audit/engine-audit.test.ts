/**
 * The audit log on both adapters: every operator action that names an actor writes one entry with its actor and
 * outcome (ok in its step's commit; refused before any step, changing nothing else; failed when the processor
 * refused a repair, or in the commit of a call that failed the machine), each reported to onAudited for the log line; requests without an actor write none.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import type { AuditDraft, AuditEntry } from "../../src/core/audit.js";
import {
  MachineAlreadyWorkingError,
  MachineFailedError,
  MachineNotFoundError,
  NamespaceNotFoundError,
  RepairFailedError,
} from "../../src/core/errors.js";
import { Engine } from "../../src/engine/engine.js";
import { localProcessor } from "../../src/processors/local-processor.js";
import type { Modernizer } from "../../src/processors/processor.js";
import { SystemClock } from "../../src/runtime/system-clock.js";
import type { Storage } from "../../src/storage/storage.js";
import { bothAdapters } from "../support/adapters.js";
import { createCounterProcessor } from "../support/counter-processor.js";
import { json, parse } from "../support/json-payload.js";

const NS = "counter";
const alice = { actor: "alice" };
const adapters = bothAdapters("audit_engine");

const modernizer: Modernizer = {
  async modernizeEvent({ event }) {
    return { formatVersion: 2, data: json({ upgraded: parse(event.data) }) };
  },
};
const legacy = localProcessor({
  init: () => ({ events: [{ data: json("legacy") }] }),
  call: () => ({ response: json("ok") }),
});

interface Audited {
  readonly engine: Engine;
  readonly storage: Storage;
  /** What onAudited received, oldest first. */
  readonly logged: AuditDraft[];
  close(): Promise<void>;
}

function auditedEngine(storage: Storage): Audited {
  const { processor } = createCounterProcessor();
  const logged: AuditDraft[] = [];
  const engine = new Engine({
    storage,
    clock: new SystemClock(),
    random: Math.random,
    newId: randomUUID,
    owner: `audit-${randomUUID()}`,
    namespaces: [
      { name: NS, processor },
      { name: "mod", processor: legacy, modernizer: { processor: modernizer, currentFormatVersion: 2 } },
    ],
    defer: setImmediate,
    pollIntervalMs: 100,
    onAudited: (entry) => logged.push(entry),
  });
  return {
    engine,
    storage,
    logged,
    async close() {
      await engine.close({ drainTimeoutMs: 2000 });
    },
  };
}

/** The newest entries' (action, outcome, actor, machine) in the order they were written. */
async function written(storage: Storage): Promise<string[]> {
  const entries = await storage.listAudit({ limit: 100 });
  return entries
    .reverse()
    .map((entry) => `${entry.action} ${entry.outcome} ${entry.actor} ${entry.machineId}`);
}

async function withAudited(
  adapter: (typeof adapters)[number],
  body: (audited: Audited) => Promise<void>,
): Promise<void> {
  const place = await adapter.place();
  const storage = await place.open();
  const audited = auditedEngine(storage);
  try {
    await body(audited);
  } finally {
    await audited.close();
    await storage.close();
    await place.dispose();
  }
}

for (const adapter of adapters) {
  describe(`audit log on ${adapter.name}`, () => {
    test("every operator action writes its entry with its actor and outcome", async () => {
      await withAudited(adapter, async ({ engine, storage, logged }) => {
        await engine.start(NS, "m", json({}));
        await engine.pause(NS, "m", "maintenance window", alice);
        await engine.resume(NS, "m", alice);
        await engine.call(NS, "m", json({ op: "set_timer", ms: 600_000 }));
        await engine.retryNow(NS, "m", alice);
        await assert.rejects(engine.call(NS, "m", json({ op: "fail" })));
        await assert.rejects(
          engine.repair(NS, "m", json({ op: "business_error" }), alice),
          RepairFailedError,
        );
        assert.equal((await engine.get(NS, "m")).status, "failed", "a refused repair leaves it failed");
        await engine.repair(NS, "m", json({ op: "ok" }), { actor: "bob" });
        await assert.rejects(
          engine.call(NS, "m", json({ op: "fail" }), { actor: "carol" }),
          MachineFailedError,
        );
        await engine.simpleRepair(NS, "m", alice);
        await engine.call(NS, "m", json({ op: "inc" }), { actor: "carol" });
        await engine.notify(NS, "m", json("hello"), { actor: "carol" });
        await engine.start("mod", "old", json({}));
        assert.equal(await engine.modernize("mod", "old", undefined, alice), 1);
        await engine.remove(NS, "m", alice);
        assert.deepEqual(await written(storage), [
          "pause ok alice m",
          "resume ok alice m",
          "retry_now ok alice m",
          "repair failed alice m",
          "repair ok bob m",
          "call failed carol m",
          "simple_repair ok alice m",
          "call ok carol m",
          "notify ok carol m",
          "modernize ok alice old",
          "remove ok alice m",
        ]);
        const [newest, ...older] = await storage.listAudit({ limit: 100 });
        assert.equal(newest?.namespace, NS);
        const pause = older.find((entry) => entry.action === "pause") as AuditEntry;
        assert.equal(pause.detail, "maintenance window", "a pause keeps its reason");
        const failedRepair = older.find(
          (entry) => entry.action === "repair" && entry.outcome === "failed",
        ) as AuditEntry;
        assert.match(failedRepair.detail ?? "", /^RepairFailedError: /);
        const failedCall = older.find((entry) => entry.action === "call" && entry.outcome === "failed");
        assert.match(failedCall?.detail ?? "", /call failed on purpose/, "written with the failure's commit");
        assert.ok(older.every((entry) => entry.atUs > 0 && entry.atUs <= (newest?.atUs ?? 0)));
        assert.deepEqual(
          logged.map((entry) => `${entry.action} ${entry.outcome}`),
          (await written(storage)).map((line) => line.split(" ").slice(0, 2).join(" ")),
          "each entry is reported once for the log line",
        );
      });
    });

    test("a refused action writes a refused entry and changes nothing else", async () => {
      await withAudited(adapter, async ({ engine, storage }) => {
        await engine.start(NS, "w", json({}));
        const before = await engine.get(NS, "w");
        const stepsBefore = await engine.steps(NS, "w");
        await assert.rejects(engine.repair(NS, "w", json({ op: "ok" }), alice), MachineAlreadyWorkingError);
        await assert.rejects(engine.simpleRepair(NS, "w", alice), MachineAlreadyWorkingError);
        await assert.rejects(engine.remove(NS, "missing", alice), MachineNotFoundError);
        await assert.rejects(engine.resume("nowhere", "w", alice), NamespaceNotFoundError);
        const after = await engine.get(NS, "w");
        assert.deepEqual(after.record, before.record, "the machine is as it was");
        assert.deepEqual(await engine.steps(NS, "w"), stepsBefore, "no step was journaled");
        assert.deepEqual(await written(storage), [
          "repair refused alice w",
          "simple_repair refused alice w",
          "remove refused alice missing",
          "resume refused alice w",
        ]);
        const [unknownNamespace, missing, simple, repair] = await storage.listAudit({ limit: 10 });
        assert.match(repair?.detail ?? "", /^MachineAlreadyWorkingError: /);
        assert.match(simple?.detail ?? "", /^MachineAlreadyWorkingError: /);
        assert.match(missing?.detail ?? "", /^MachineNotFoundError: /);
        assert.equal(unknownNamespace?.namespace, "nowhere");
        assert.match(unknownNamespace?.detail ?? "", /^NamespaceNotFoundError: /);
      });
    });

    test("requests without an actor write no audit entry", async () => {
      await withAudited(adapter, async ({ engine, storage, logged }) => {
        await engine.start(NS, "p", json({}));
        await engine.call(NS, "p", json({ op: "inc" }));
        await engine.notify(NS, "p", json("hi"));
        await engine.pause(NS, "p", "a program's pause");
        await engine.resume(NS, "p");
        await assert.rejects(engine.simpleRepair(NS, "p"), MachineAlreadyWorkingError);
        await engine.remove(NS, "p");
        assert.deepEqual(await storage.listAudit({ limit: 10 }), []);
        assert.deepEqual(logged, []);
      });
    });
  });
}
