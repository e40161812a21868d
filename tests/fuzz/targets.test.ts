/**
 * Runs every fuzz target of the registry for its test cases with a fixed seed per target (FUZZ_SEED overrides
 * it), each in a watched worker. A failure prints the counterexample and the `npm run fuzz` command that
 * replays it; `npm run fuzz` itself runs the same targets for far longer.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { describeFailure, runTarget } from "./run-target.js";
import { FUZZ_TARGETS } from "./targets.js";

/** A seed per target, from its name, so every run of the suite checks the same cases. */
function seedOf(name: string): number {
  const override = process.env.FUZZ_SEED;
  if (override !== undefined) return Number(override);
  let hash = 0x811c9dc5;
  for (const character of name) hash = Math.imul(hash ^ character.charCodeAt(0), 0x01000193);
  return hash >>> 1;
}

for (const target of FUZZ_TARGETS) {
  test(`${target.name}: ${target.description}`, async () => {
    const report = await runTarget({
      target: target.name,
      cases: target.testCases,
      seed: seedOf(target.name),
    });
    assert.equal(report.stoppedBy, "cases", describeFailure(report));
    assert.equal(report.casesRun, target.testCases);
  });
}
