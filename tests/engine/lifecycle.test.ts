/**
 * MG's machine lifecycle scenario (mg_core_machine_SUITE), on a real SQLite database with a local counter
 * processor: start, already exists, call, delayed timer, fail then simple repair, fail then repair, failing
 * repair then repair, repair of a working machine, remove then not found. Each step checks the committed state.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  MachineAlreadyExistsError,
  MachineAlreadyWorkingError,
  MachineFailedError,
  MachineNotFoundError,
  ProcessorUnavailableError,
  RepairFailedError,
} from "../../src/core/errors.js";
import { createCounterProcessor } from "../support/counter-processor.js";
import type { EngineFixture } from "../support/engine-fixture.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";
import { waitFor } from "../support/wait.js";

const NS = "counter";
let fixture: EngineFixture;
const { processor, control } = createCounterProcessor();

before(() => {
  fixture = createTestEngine({ namespaces: [{ name: NS, processor }] });
});
after(() => fixture.close());

const call = async (id: string, op: object) => parse(await fixture.engine.call(NS, id, json(op)));

test("start creates the machine; a second start gets MachineAlreadyExists", async () => {
  await fixture.engine.start(NS, "m1", json({ value: 5 }));
  await assert.rejects(fixture.engine.start(NS, "m1", json({})), MachineAlreadyExistsError);
  const snapshot = await fixture.engine.get(NS, "m1");
  assert.equal(snapshot.status, "idle");
  assert.deepEqual(parse(snapshot.record.auxState.data), { count: 5 });
});

test("calls read and change the machine; the reply comes after the step is committed", async () => {
  assert.equal(await call("m1", { op: "get" }), 5);
  assert.equal(await call("m1", { op: "inc" }), 6);
  const snapshot = await fixture.engine.get(NS, "m1");
  assert.equal(snapshot.record.lastEventId, 1);
  assert.deepEqual(parse(snapshot.history[0]?.data ?? json(null)), { count: 6 });
});

test("a delayed timer fires once and increments the counter", async () => {
  await call("m1", { op: "set_timer", ms: 50 });
  assert.equal((await fixture.engine.get(NS, "m1")).status, "waiting");
  await waitFor("the timer step", async () => (await call("m1", { op: "get" })) === 7);
  const snapshot = await fixture.engine.get(NS, "m1");
  assert.equal(snapshot.status, "idle", "a timer is one-shot");
  assert.equal(snapshot.record.timer, null);
});

test("a failed call fails the machine; simple repair restores it without the processor", async () => {
  await assert.rejects(call("m1", { op: "fail" }), MachineFailedError);
  const failed = await fixture.engine.get(NS, "m1");
  assert.equal(failed.status, "failed");
  assert.match(failed.record.failure?.reason ?? "", /call failed on purpose/);
  assert.equal(failed.record.failure?.previousStatus, "idle");
  await assert.rejects(call("m1", { op: "get" }), MachineFailedError);
  const stepsBefore = control.steps.length;
  await fixture.engine.simpleRepair(NS, "m1");
  assert.equal(control.steps.length, stepsBefore, "simple repair does not call the processor");
  assert.equal(await call("m1", { op: "get" }), 7);
});

test("a failed machine is repaired through the processor", async () => {
  await assert.rejects(call("m1", { op: "fail" }), MachineFailedError);
  const response = await fixture.engine.repair(NS, "m1", json({ op: "ok" }));
  assert.equal(parse(response), "repaired");
  const snapshot = await fixture.engine.get(NS, "m1");
  assert.equal(snapshot.status, "idle");
  assert.deepEqual(parse(snapshot.history.at(-1)?.data ?? json(null)), { repaired: true });
});

test("a failing repair leaves the machine failed; a later repair succeeds", async () => {
  await assert.rejects(call("m1", { op: "fail" }), MachineFailedError);
  const lastEventId = (await fixture.engine.get(NS, "m1")).record.lastEventId;
  await assert.rejects(fixture.engine.repair(NS, "m1", json({ op: "error" })), MachineFailedError);
  await assert.rejects(fixture.engine.repair(NS, "m1", json({ op: "business_error" })), (error) => {
    assert.ok(error instanceof RepairFailedError);
    assert.equal(parse(error.reason), "no, thank you");
    return true;
  });
  const stillFailed = await fixture.engine.get(NS, "m1");
  assert.equal(stillFailed.status, "failed");
  assert.equal(stillFailed.record.lastEventId, lastEventId, "refused repairs commit nothing");
  await fixture.engine.repair(NS, "m1", json({ op: "ok" }));
  assert.equal((await fixture.engine.get(NS, "m1")).status, "idle");
});

test("repair and simple repair of a working machine get MachineAlreadyWorking", async () => {
  await assert.rejects(fixture.engine.repair(NS, "m1", json({ op: "ok" })), MachineAlreadyWorkingError);
  await assert.rejects(fixture.engine.simpleRepair(NS, "m1"), MachineAlreadyWorkingError);
});

test("a transient processor error fails the call, not the machine", async () => {
  await assert.rejects(call("m1", { op: "unavailable" }), ProcessorUnavailableError);
  assert.equal((await fixture.engine.get(NS, "m1")).status, "idle");
});

test("remove deletes the machine and its history; the id is then free", async () => {
  await fixture.engine.remove(NS, "m1");
  await assert.rejects(fixture.engine.get(NS, "m1"), MachineNotFoundError);
  await assert.rejects(call("m1", { op: "get" }), MachineNotFoundError);
  await assert.rejects(fixture.engine.remove(NS, "m1"), MachineNotFoundError);
  await fixture.engine.start(NS, "m1", json({}));
  assert.equal((await fixture.engine.get(NS, "m1")).record.lastEventId, 0, "event ids start again from 1");
});

test("remove by the processor's action deletes the machine after its step", async () => {
  await fixture.engine.start(NS, "m2", json({}));
  assert.equal(await call("m2", { op: "remove" }), "ok");
  await assert.rejects(fixture.engine.get(NS, "m2"), MachineNotFoundError);
});

test("a start whose init fails leaves nothing behind and the id stays free", async () => {
  await assert.rejects(fixture.engine.start(NS, "m3", json({ fail: true })), MachineFailedError);
  await assert.rejects(fixture.engine.get(NS, "m3"), MachineNotFoundError);
  await assert.rejects(
    fixture.engine.start(NS, "m3", json({ unavailable: true })),
    ProcessorUnavailableError,
  );
  await assert.rejects(fixture.engine.get(NS, "m3"), MachineNotFoundError);
  await fixture.engine.start(NS, "m3", json({}));
  assert.equal((await fixture.engine.get(NS, "m3")).status, "idle");
});

test("no two steps of one machine ever overlapped", () => {
  assert.equal(control.overlaps, 0);
});
