/**
 * Calls to one machine are strictly serialized and each sees the one before; a reader sees all of a large step
 * or none of it (MG's history_changed_atomically: 1000 events, five times); a slow call past its deadline gets
 * a result-unknown error and a repair then says the machine is working (MG's deadline group).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  DeadlineExceededError,
  MachineAlreadyWorkingError,
  ProcessorTimeoutError,
} from "../../src/core/errors.js";
import { MICROSECONDS_PER_MILLISECOND } from "../../src/core/time.js";
import { createCounterProcessor } from "../support/counter-processor.js";
import type { EngineFixture } from "../support/engine-fixture.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";

let fixture: EngineFixture;
const { processor, control } = createCounterProcessor();

before(() => {
  fixture = createTestEngine({ namespaces: [{ name: "c", processor, limits: { stepEventsMax: 1000 } }] });
});
after(() => fixture.close());

test("twenty concurrent calls to one machine run one at a time, each seeing the last", async () => {
  await fixture.engine.start("c", "s", json({}));
  const responses = await Promise.all(
    Array.from({ length: 20 }, () => fixture.engine.call("c", "s", json({ op: "sleep", ms: 2 }))),
  );
  assert.equal(responses.length, 20);
  assert.equal(control.overlaps, 0, "no two steps overlapped");
  const snapshot = await fixture.engine.get("c", "s");
  assert.equal(snapshot.record.lastEventId, 20);
  assert.deepEqual(
    snapshot.history.map((event) => parse<{ count: number }>(event.data).count),
    Array.from({ length: 20 }, (_, index) => index + 1),
  );
});

test("a concurrent reader sees all of a 1000-event step or none of it, five times over", async () => {
  for (let round = 0; round < 5; round += 1) {
    const id = `atomic-${round}`;
    await fixture.engine.start("c", id, json({}));
    const step = fixture.engine.call("c", id, json({ op: "emit", n: 1000 }));
    let done = false;
    void step.finally(() => {
      done = true;
    });
    const seen = new Set<number>();
    while (!done) {
      const snapshot = await fixture.engine.get("c", id);
      seen.add(snapshot.history.length);
      assert.equal(snapshot.history.length, snapshot.record.lastEventId);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await step;
    seen.add((await fixture.engine.get("c", id)).history.length);
    for (const count of seen) assert.ok(count === 0 || count === 1000, `a reader saw ${count} events`);
    assert.ok(seen.has(1000));
  }
});

test("a call slower than its deadline gets result-unknown; repair then says the machine is working", async () => {
  await fixture.engine.start("c", "slow", json({}));
  const deadlineUs = fixture.clock.nowUs() + 50 * MICROSECONDS_PER_MILLISECOND;
  await assert.rejects(
    fixture.engine.call("c", "slow", json({ op: "sleep", ms: 300 }), { deadlineUs }),
    (error) => error instanceof ProcessorTimeoutError || error instanceof DeadlineExceededError,
  );
  await assert.rejects(fixture.engine.repair("c", "slow", json({ op: "ok" })), MachineAlreadyWorkingError);
  const inTime = fixture.clock.nowUs() + 2000 * MICROSECONDS_PER_MILLISECOND;
  assert.equal(parse(await fixture.engine.call("c", "slow", json({ op: "get" }), { deadlineUs: inTime })), 0);
});
