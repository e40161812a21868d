/**
 * A failure between the processor's answer and the commit commits nothing (DESIGN invariant 1): a fault point
 * armed after the processor call throws; the call fails, the machine is unchanged and not failed, and the next
 * call runs normally. A pause there holds the machine, and a second call waits behind it instead of overlapping.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FaultPoints } from "../../src/engine/fault-points.js";
import { createCounterProcessor } from "../support/counter-processor.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";
import { pauseNextCommit } from "../support/pause.js";

test("a failure after the processor answered and before the commit leaves the machine as it was", async () => {
  const faults = new FaultPoints();
  const { processor, control } = createCounterProcessor();
  const fixture = createTestEngine({ namespaces: [{ name: "f", processor }], faults });
  try {
    await fixture.engine.start("f", "m", json({}));
    const before = await fixture.engine.get("f", "m");
    faults.arm("afterProcessorBeforeCommit", () => {
      throw new Error("injected: the node died before committing");
    });
    await assert.rejects(fixture.engine.call("f", "m", json({ op: "inc" })), /injected/);
    faults.disarm("afterProcessorBeforeCommit");
    assert.deepEqual(await fixture.engine.get("f", "m"), before, "nothing of the step was committed");
    assert.equal(
      parse(await fixture.engine.call("f", "m", json({ op: "inc" }))),
      1,
      "the next call runs normally",
    );
    assert.equal(control.overlaps, 0);
  } finally {
    await fixture.close();
  }
});

test("a step paused before its commit holds the machine; a second call waits and sees its result", async () => {
  const faults = new FaultPoints();
  const { processor, control } = createCounterProcessor();
  const fixture = createTestEngine({ namespaces: [{ name: "f", processor }], faults });
  try {
    await fixture.engine.start("f", "m", json({}));
    const pause = pauseNextCommit(faults);
    const first = fixture.engine.call("f", "m", json({ op: "inc" }));
    await pause.reached;
    const second = fixture.engine.call("f", "m", json({ op: "inc" }));
    assert.equal(
      (await fixture.engine.get("f", "m")).record.lastEventId,
      0,
      "the first step is not committed yet",
    );
    pause.release();
    assert.deepEqual([parse(await first), parse(await second)], [1, 2]);
    assert.equal(control.overlaps, 0);
  } finally {
    await fixture.close();
  }
});
