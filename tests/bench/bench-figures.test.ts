/**
 * The pure parts of the benchmark: the /proc/<pid>/stat parser, percentiles, the goal verdicts and the final
 * JSON line. No timing here: the bench's goals are printed by the bench, never asserted by a test.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { GOALS, type Goal, goalLines, ratio, summaryLine, verdictOf } from "../../bench/goals.js";
import { copyColumns } from "../../bench/idle-machines.js";
import { parseProcStat, processCpuUs } from "../../bench/proc-stat.js";
import { areaOf, type CpuProfile, type ProfileNode, selfTime } from "../../bench/profile-top.js";
import { latencySummary, percentile } from "../../bench/stats.js";

describe("proc stat parser", () => {
  test("reads utime and stime (fields 14 and 15)", () => {
    const line =
      "12484 (cat) R 12481 12481 7748 0 -1 4194304 100 0 0 0 37 12 0 0 20 0 1 0 100821 3133440 389 18446744073709551615";
    assert.deepEqual(parseProcStat(line), { utimeTicks: 37, stimeTicks: 12 });
  });

  test("a command name with spaces and parentheses does not shift the fields", () => {
    const line = "77 (node (bench) x) S 1 77 77 0 -1 4194304 5 0 0 0 1500 250 0 0 20 0 11 0 9 1 1 1";
    assert.deepEqual(parseProcStat(line), { utimeTicks: 1500, stimeTicks: 250 });
  });

  test("text that is not a stat line is refused", () => {
    assert.throws(() => parseProcStat("hello"), /no command name/);
    assert.throws(() => parseProcStat("1 (x) R 1 2"), /not a whole number/);
  });

  test("this process's own stat parses, and a pid that does not exist gives undefined", () => {
    const ticks = parseProcStat(readFileSync("/proc/self/stat", "utf8"));
    assert.ok(ticks.utimeTicks >= 0 && ticks.stimeTicks >= 0);
    assert.equal(typeof processCpuUs(process.pid), "number");
    assert.equal(processCpuUs(2 ** 30), undefined);
  });
});

describe("percentiles", () => {
  test("p50 and p99 of 1..100, and NaN for no samples", () => {
    const sorted = Array.from({ length: 100 }, (_, index) => index + 1);
    assert.equal(percentile(sorted, 0.5), 51);
    assert.equal(percentile(sorted, 0.99), 100);
    assert.ok(Number.isNaN(percentile([], 0.5)));
  });

  test("latencySummary sorts before it reads", () => {
    assert.deepEqual(latencySummary([5, 1, 3, 2, 4]), { p50: 3, p99: 5, max: 5 });
  });
});

describe("goals and the JSON line", () => {
  const atLeast: Goal = { key: "a", label: "a", bound: "at least", target: 2 };
  const atMost: Goal = { key: "b", label: "b", bound: "at most", target: 5 };

  test("verdicts: met, not met, and not measured for a missing or NaN figure", () => {
    assert.equal(verdictOf(atLeast, 2), "met");
    assert.equal(verdictOf(atLeast, 1.99), "not met");
    assert.equal(verdictOf(atMost, 5), "met");
    assert.equal(verdictOf(atMost, 5.1), "not met");
    assert.equal(verdictOf(atMost, undefined), "not measured");
    assert.equal(verdictOf(atMost, Number.NaN), "not measured");
  });

  test("goal lines show goal, measured value and verdict", () => {
    const [first, second] = goalLines([atLeast, atMost], { a: 3 });
    assert.match(first ?? "", /goal ≥ 2 {2}measured 3 {2}met$/);
    assert.match(second ?? "", /goal ≤ 5 {2}measured — {2}not measured$/);
  });

  test("ratio rounds to 2 digits and is NaN without a denominator", () => {
    assert.equal(ratio(10, 3), 3.33);
    assert.ok(Number.isNaN(ratio(1, 0)));
    assert.ok(Number.isNaN(ratio(undefined, 1)));
  });

  test("the JSON line keeps every key, a figure not measured as null", () => {
    const parsed = JSON.parse(summaryLine({ x: 1.5, y: Number.NaN }));
    assert.deepEqual(parsed, { x: 1.5, y: null });
  });

  test("every headline ratio the issue names has a goal", () => {
    const keys = new Set(GOALS.map((goal) => goal.key));
    for (const key of [
      "woody_to_local_call_ratio",
      "chain_pg_ratio_to_ceiling",
      "chain_pg_to_one_round_trip_ratio",
      "chain_outbox_to_chain_ratio",
      "chain_sqlite_ratio_to_ceiling",
    ]) {
      assert.ok(keys.has(key), key);
    }
  });
});

describe("idle machine copies", () => {
  test("the copy's column list replaces only machine_id", () => {
    assert.equal(copyColumns(["namespace", "machine_id", "status"], "?"), '"namespace", ?, "status"');
  });
});

describe("profile reading", () => {
  const node = (id: number, functionName: string, url: string): ProfileNode => ({
    id,
    callFrame: { functionName, url, lineNumber: 0 },
  });
  const profile: CpuProfile = {
    nodes: [
      node(1, "(idle)", ""),
      node(2, "commit", "file:///repo/dist/src/engine/leased-machine.js"),
      node(3, "prepareValue", "file:///repo/node_modules/pg/lib/utils.js"),
      node(4, "writev", ""),
    ],
    samples: [1, 2, 2, 3, 4, 9],
    timeDeltas: [100, 10, 20, 5, 7, 1000],
  };

  test("self time sums each sample's delta on its node; an unknown node is skipped", () => {
    const totals = selfTime(profile, (entry) => entry.callFrame.functionName);
    assert.deepEqual(Object.fromEntries(totals), { "(idle)": 100, commit: 30, prepareValue: 5, writev: 7 });
  });

  test("areas: Ratchet's folders, packages, Node's internals, V8's pseudo-nodes", () => {
    assert.deepEqual(
      profile.nodes.map((entry) => areaOf(entry)),
      ["(idle)", "src/engine", "package pg", "node internals (net, streams, timers, native)"],
    );
  });
});
