/**
 * The seeded simulation of the engine (scripts/simulation): real engines on the in-memory embedded store behind
 * fault-injecting storage, a simulated clock and processor, many clients, every transition checked against a
 * model. These tests run many seeds, prove a seed replays exactly by running it twice and comparing the traces,
 * and prove the checker notices a store that does not keep what it answers.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { simulate } from "../../scripts/simulation/simulation.js";
import type { Storage } from "../../src/storage/storage.js";
import { withOverrides } from "../support/storage-overrides.js";

const SEEDS = 60;

test(`${SEEDS} seeds of the simulation pass, each checked transition by transition`, async () => {
  const failures: string[] = [];
  let commits = 0;
  for (let seed = 1; seed <= SEEDS; seed += 1) {
    const result = await simulate({ seed });
    commits += result.trace.total("commit ");
    if (!result.passed) {
      failures.push(`seed ${seed}: ${result.violations[0]}\n${result.trace.tail(40).join("\n")}`);
    }
  }
  assert.deepEqual(failures, [], `replay with npm run simulate -- --seed N\n${failures.join("\n\n")}`);
  assert.ok(
    commits > SEEDS * 20,
    `the seeds committed ${commits} steps, enough to have exercised the engine`,
  );
});

test("a seed replays exactly: two runs of one seed write the same trace", async () => {
  const first = await simulate({ seed: 7 });
  const second = await simulate({ seed: 7 });
  assert.ok(first.passed, first.violations[0]);
  assert.ok(first.trace.lines.length > 200, "the trace records the run");
  assert.deepEqual(second.trace.lines, first.trace.lines);
  assert.deepEqual([...second.trace.counters], [...first.trace.counters]);
});

test("a run reads no real clock, starts no real timer and draws no unseeded random number", async () => {
  // Replaced for the run only: a call from the product or the simulation (not from the test runner) is counted.
  const seen: string[] = [];
  const ours = (name: string) => {
    const stack = new Error().stack ?? "";
    if (/\/(src|scripts\/simulation)\//.test(stack.split("\n").slice(2).join("\n"))) seen.push(name);
  };
  const real = { setTimeout, setInterval, now: Date.now, random: Math.random };
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    ours("setTimeout");
    return real.setTimeout(...args);
  }) as typeof setTimeout;
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    ours("setInterval");
    return real.setInterval(...args);
  }) as typeof setInterval;
  Date.now = () => {
    ours("Date.now");
    return real.now();
  };
  Math.random = () => {
    ours("Math.random");
    return real.random();
  };
  try {
    const result = await simulate({ seed: 11 });
    assert.ok(result.passed, result.violations[0]);
  } finally {
    Object.assign(globalThis, { setTimeout: real.setTimeout, setInterval: real.setInterval });
    Date.now = real.now;
    Math.random = real.random;
  }
  assert.deepEqual(seen, []);
});

test("the checker notices a store that drops an event of a step it reports committed", async () => {
  let tampered = false;
  // The first step that appends two events or more keeps all but its last one, its record shortened to match.
  const dropping = (real: Storage) =>
    withOverrides(real, {
      commit: (inner, steps) =>
        inner.commit(
          steps.map((step) => {
            if (tampered || step.kind === "remove" || step.events.length < 2) return step;
            tampered = true;
            const record = { ...step.record, lastEventId: step.record.lastEventId - 1 };
            return { ...step, record, events: step.events.slice(0, -1) };
          }),
        ),
    });
  const result = await simulate({ seed: 7, tamper: dropping });
  assert.ok(tampered, "the run made a step with two events");
  assert.equal(result.passed, false);
  assert.match(result.violations[0] ?? "", /storage differs from the model: events: expected/);
});
