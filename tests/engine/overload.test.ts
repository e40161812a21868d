/**
 * Queues are bounded (no bespoke resource control, just clear overload errors): while one step of a machine is
 * held before its commit, the machine takes `machineQueueLengthMax` waiting requests and refuses the next with
 * OverloadedError at once; the held step and the waiting requests then complete in order.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { OverloadedError } from "../../src/core/errors.js";
import { ENGINE_LIMITS } from "../../src/core/limits.js";
import { FaultPoints } from "../../src/engine/fault-points.js";
import { createCounterProcessor } from "../support/counter-processor.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";
import { pauseNextCommit } from "../support/pause.js";

test("a machine with a full queue refuses the next request with OverloadedError, and serves the queued ones", async () => {
  const faults = new FaultPoints();
  const { processor } = createCounterProcessor();
  const fixture = createTestEngine({ namespaces: [{ name: "o", processor }], faults });
  try {
    await fixture.engine.start("o", "m", json({}));
    const pause = pauseNextCommit(faults);
    const first = fixture.engine.call("o", "m", json({ op: "inc" }));
    await pause.reached;
    const queued = Array.from({ length: ENGINE_LIMITS.machineQueueLengthMax }, () =>
      fixture.engine.call("o", "m", json({ op: "inc" })),
    );
    await assert.rejects(fixture.engine.call("o", "m", json({ op: "inc" })), OverloadedError);
    pause.release();
    const answers = await Promise.all([first, ...queued]);
    assert.deepEqual(
      answers.map((answer) => parse<number>(answer)),
      Array.from({ length: ENGINE_LIMITS.machineQueueLengthMax + 1 }, (_, index) => index + 1),
    );
  } finally {
    await fixture.close();
  }
});
