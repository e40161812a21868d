/**
 * Proves the fuzz runner reports what it promises: a failure with its seed and a path that replays exactly the
 * same counterexample, and a case that never returns as a hang, stopped from outside, with the path to it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runTarget } from "./run-target.js";

const targetsModule = new URL("./runner-check-targets.js", import.meta.url).href;

test("a failure names its seed and a path, and the path replays the same counterexample", async () => {
  const first = await runTarget({ target: "fails-above-1000", cases: 1000, seed: 42, targetsModule });
  assert.equal(first.stoppedBy, "failure");
  assert.equal(first.seed, 42);
  assert.ok(first.failure?.path !== undefined);
  assert.equal(first.failure.counterexample, "[1001]", "shrunk to the smallest failing input");
  const replay = await runTarget({
    target: "fails-above-1000",
    cases: 1000,
    seed: 42,
    path: first.failure.path,
    targetsModule,
  });
  assert.equal(replay.stoppedBy, "failure");
  assert.equal(replay.failure?.counterexample, "[1001]");
});

test("a case that never returns is stopped as a hang, with the path that reaches it", async () => {
  const report = await runTarget({
    target: "hangs-on-7",
    cases: 1000,
    seed: 7,
    hangSeconds: 1,
    targetsModule,
  });
  assert.equal(report.stoppedBy, "hang");
  assert.match(report.failure?.message ?? "", /no case finished within 1 s/);
  assert.ok(report.failure?.path !== undefined);
  const replay = await runTarget({
    target: "hangs-on-7",
    cases: 1,
    seed: 7,
    path: report.failure.path,
    hangSeconds: 1,
    targetsModule,
  });
  assert.equal(replay.stoppedBy, "hang", "the path leads to the same case");
});
