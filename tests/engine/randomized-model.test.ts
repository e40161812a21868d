/**
 * A randomized test (MG's mg_core_machine_full_test_SUITE): many machines driven concurrently through random
 * start / call / fail / repair / simple repair / remove sequences. A model predicts every outcome (result or typed
 * error) and the final state; at the end every machine's history is checked for contiguous ids and its count.
 * The seed is printed, and RATCHET_SEED replays a run. It runs on SQLite and on PostgreSQL: one engine, two stores.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  MachineAlreadyExistsError,
  MachineAlreadyWorkingError,
  MachineFailedError,
  MachineNotFoundError,
} from "../../src/core/errors.js";
import {
  createDisposableDatabase,
  createMigratedTemplate,
} from "../../src/storage/postgres/disposable-database.js";
import { PostgresStorage } from "../../src/storage/postgres/postgres-storage.js";
import type { Storage } from "../../src/storage/storage.js";
import { createCounterProcessor } from "../support/counter-processor.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";

type ModelState = { exists: false } | { exists: true; failed: boolean; count: number; events: number };
type Operation = "start" | "inc" | "get" | "fail" | "repair" | "simpleRepair" | "remove";
const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const OPERATIONS: Operation[] = ["start", "inc", "inc", "get", "fail", "repair", "simpleRepair", "remove"];

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

test("random operations on 10 machines match the model, transition by transition (SQLite)", () =>
  runRandomizedModel(undefined));

test("random operations on 10 machines match the model, transition by transition (PostgreSQL)", async () => {
  const template = await createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_model_tpl",
    schema: "ratchet",
    nowUs: Date.now() * 1000,
  });
  const database = await createDisposableDatabase(ADMIN_URL, {
    prefix: "ratchet_model",
    template: template.name,
  });
  const storage = await PostgresStorage.open({
    connectionString: database.connectionString,
    poolSize: 4,
    statementTimeoutMs: 10_000,
    applicationName: "ratchet-model",
    nowUs: () => Date.now() * 1000,
    migrate: false,
  });
  try {
    await runRandomizedModel(storage);
  } finally {
    await storage.close();
    await database.drop();
    await template.drop();
  }
});

/** Drives the machines on the given storage (a fresh in-memory SQLite database when none is given). */
async function runRandomizedModel(storage: Storage | undefined): Promise<void> {
  const seed = Number(process.env.RATCHET_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`randomized model seed: ${seed}`);
  const random = seededRandom(seed);
  const { processor, control } = createCounterProcessor();
  const fixture = createTestEngine({
    namespaces: [{ name: "r", processor }],
    ...(storage ? { storage } : {}),
  });
  const machineIds = Array.from({ length: 10 }, (_, index) => `m${index}`);
  const plans = machineIds.map(() =>
    Array.from({ length: 40 }, () => OPERATIONS[Math.floor(random() * OPERATIONS.length)] as Operation),
  );
  const transitions = { checked: 0 };
  try {
    await Promise.all(machineIds.map((id, index) => drive(id, plans[index] ?? [])));
    assert.equal(control.overlaps, 0);
    assert.ok(transitions.checked >= 400);
  } finally {
    await fixture.close();
  }

  async function drive(id: string, plan: Operation[]): Promise<void> {
    let model: ModelState = { exists: false };
    for (const operation of plan) {
      model = await apply(id, operation, model);
      transitions.checked += 1;
      await checkStored(id, model, operation);
    }
  }

  async function apply(id: string, operation: Operation, model: ModelState): Promise<ModelState> {
    const { engine } = fixture;
    const expectError = async (promise: Promise<unknown>, type: new (...args: never[]) => Error) =>
      assert.rejects(promise, type, `${id} ${operation} in ${JSON.stringify(model)}`);
    switch (operation) {
      case "start":
        if (model.exists)
          return expectError(engine.start("r", id, json({})), MachineAlreadyExistsError).then(() => model);
        await engine.start("r", id, json({}));
        return { exists: true, failed: false, count: 0, events: 0 };
      case "inc":
      case "get": {
        const op = engine.call("r", id, json({ op: operation }));
        if (!model.exists) return expectError(op, MachineNotFoundError).then(() => model);
        if (model.failed) return expectError(op, MachineFailedError).then(() => model);
        const response = parse<number>(await op);
        const count = operation === "inc" ? model.count + 1 : model.count;
        assert.equal(response, count, `${id} ${operation}`);
        return { ...model, count, events: model.events + (operation === "inc" ? 1 : 0) };
      }
      case "fail": {
        const op = engine.call("r", id, json({ op: "fail" }));
        if (!model.exists) return expectError(op, MachineNotFoundError).then(() => model);
        await expectError(op, MachineFailedError);
        return { ...model, failed: true };
      }
      case "repair": {
        const op = engine.repair("r", id, json({ op: "ok" }));
        if (!model.exists) return expectError(op, MachineNotFoundError).then(() => model);
        if (!model.failed) return expectError(op, MachineAlreadyWorkingError).then(() => model);
        await op;
        return { ...model, failed: false, events: model.events + 1 };
      }
      case "simpleRepair": {
        const op = engine.simpleRepair("r", id);
        if (!model.exists) return expectError(op, MachineNotFoundError).then(() => model);
        if (!model.failed) return expectError(op, MachineAlreadyWorkingError).then(() => model);
        await op;
        return { ...model, failed: false };
      }
      case "remove": {
        const op = engine.remove("r", id);
        if (!model.exists) return expectError(op, MachineNotFoundError).then(() => model);
        await op;
        return { exists: false };
      }
    }
  }

  async function checkStored(id: string, model: ModelState, operation: Operation): Promise<void> {
    const read = fixture.engine.get("r", id);
    if (!model.exists) {
      await assert.rejects(read, MachineNotFoundError);
      return;
    }
    const snapshot = await read;
    assert.equal(snapshot.status === "failed", model.failed, `${id} status after ${operation}`);
    assert.equal(snapshot.record.lastEventId, model.events, `${id} events after ${operation}`);
    assert.deepEqual(
      snapshot.history.map((event) => event.id),
      Array.from({ length: model.events }, (_, index) => index + 1),
      `${id} event ids are contiguous from 1`,
    );
  }
}
