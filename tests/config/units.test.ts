/**
 * MG's value syntax reads as MG reads it: a port of `machinegun_configuration_utils_tests` (time intervals,
 * memory sizes, `${ENV}` interpolation and the YAML traversal), each MG case checked against units.ts with the
 * MG expectation converted to Ratchet's units, plus every other accepted form and the edges MG leaves implicit.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings hold ${ENV} references on purpose.
import assert from "node:assert/strict";
import { test } from "node:test";
import { interpolateTree, readYaml } from "../../src/config/document.js";
import type { ConfigIssue } from "../../src/config/errors.js";
import { interpolateEnv, parseDurationMs, parseDurationUs, parseSizeBytes } from "../../src/config/units.js";

function value<T>(parsed: { ok: true; value: T } | { ok: false; reason: string }): T {
  assert.ok(parsed.ok, `expected a value, got: ${parsed.ok ? "" : parsed.reason}`);
  return parsed.value;
}

function reason(parsed: { ok: true; value: unknown } | { ok: false; reason: string }): string {
  assert.ok(!parsed.ok, "expected an error");
  return parsed.reason;
}

const SECOND_MS = 1000;
const HOUR_MS = 60 * 60 * SECOND_MS;
const DAY_MS = 24 * HOUR_MS;

test("MG time_interval_test_: units, case and conversions", () => {
  assert.equal(value(parseDurationUs("1ms")), 1000);
  assert.equal(value(parseDurationUs("1mu")), 1);
  assert.equal(value(parseDurationUs("1s")), 1_000_000);
  assert.equal(value(parseDurationMs("1d")), 86_400 * SECOND_MS);
  assert.equal(value(parseDurationMs("2d")), 48 * HOUR_MS);
  assert.equal(value(parseDurationMs("1m")), 60_000);
  assert.equal(value(parseDurationMs("1H")), 3_600_000);
  assert.equal(value(parseDurationMs("4H")), 14_400 * SECOND_MS);
  assert.equal(value(parseDurationMs("0W")), 0);
});

test("MG time_interval_test_: empty, negative and unit-less text are refused", () => {
  assert.match(reason(parseDurationMs("")), /must be a whole number and a unit/);
  assert.match(reason(parseDurationMs("-1s")), /must not be negative/);
  assert.match(reason(parseDurationMs("42")), /needs a unit/);
});

test("every duration form: ms, s, m, h, d, W, mu and infinity", () => {
  assert.equal(value(parseDurationMs("500ms")), 500);
  assert.equal(value(parseDurationMs("30s")), 30 * SECOND_MS);
  assert.equal(value(parseDurationMs("10m")), 10 * 60 * SECOND_MS);
  assert.equal(value(parseDurationMs("1h")), HOUR_MS);
  assert.equal(value(parseDurationMs("2d")), 2 * DAY_MS);
  assert.equal(value(parseDurationMs("1W")), 7 * DAY_MS);
  assert.equal(value(parseDurationMs("1w")), 7 * DAY_MS);
  assert.equal(value(parseDurationUs("100mu")), 100);
  assert.equal(value(parseDurationMs("infinity")), Number.POSITIVE_INFINITY);
  assert.equal(value(parseDurationMs(" 30s ")), 30 * SECOND_MS, "MG trims spaces");
  assert.equal(value(parseDurationMs("1MS")), 1, "units ignore case, as in MG");
});

test("sub-millisecond parts are dropped when a duration is read in milliseconds, as MG's milliseconds/1 does", () => {
  assert.equal(value(parseDurationMs("100mu")), 0);
  assert.equal(value(parseDurationMs("1500mu")), 1);
});

test("fractions, spaces before the unit, unknown units and overflow are refused", () => {
  assert.match(reason(parseDurationMs("1.5s")), /must be a whole number and a unit/);
  assert.match(reason(parseDurationMs("30 s")), /must be a whole number and a unit/);
  assert.match(reason(parseDurationMs("5y")), /must be a whole number and a unit/);
  assert.match(reason(parseDurationMs("Infinity")), /must be a whole number and a unit/);
  assert.match(reason(parseDurationMs("99999999999999999999W")), /too long/);
});

test("MG mem_bytes_test_: binary multiples, with MG's word counts converted to bytes", () => {
  assert.equal(value(parseSizeBytes("42b")), 42);
  assert.equal(value(parseSizeBytes("1k")), 1024);
  assert.equal(value(parseSizeBytes("2M")), 2_097_152);
  assert.equal(value(parseSizeBytes("0G")), 0);
  // MG: mem_words(<<"700T">>) =:= 96207267430400 on a 64-bit VM (8-byte words).
  assert.equal(value(parseSizeBytes("700T")) / 8, 96_207_267_430_400);
  // MG's 1337P works with Erlang bignums; JavaScript numbers are exact only to 2^53 bytes (8P).
  assert.match(reason(parseSizeBytes("1337P")), /too large/);
  assert.match(reason(parseSizeBytes("1")), /needs a unit/);
  assert.match(reason(parseSizeBytes("-7k")), /must not be negative/);
  assert.match(reason(parseSizeBytes("mlem")), /must be a whole number and a unit/);
});

test("every size form: b, k, M, G, T, P", () => {
  assert.equal(value(parseSizeBytes("10b")), 10);
  assert.equal(value(parseSizeBytes("512k")), 512 * 1024);
  assert.equal(value(parseSizeBytes("1M")), 1024 ** 2);
  assert.equal(value(parseSizeBytes("1m")), 1024 ** 2, "units ignore case, as in MG");
  assert.equal(value(parseSizeBytes("1G")), 1024 ** 3);
  assert.equal(value(parseSizeBytes("1T")), 1024 ** 4);
  assert.equal(value(parseSizeBytes("1P")), 1024 ** 5);
  assert.match(reason(parseSizeBytes("1MB")), /must be a whole number and a unit/);
});

const identity = (name: string) => name;

test("MG interpolate_test_: no references, a missing one, several, and badly nested ones", () => {
  const refuse = () => undefined;
  assert.deepEqual(interpolateEnv("Nothing to see here", refuse), { ok: true, value: "Nothing to see here" });
  assert.deepEqual(interpolateEnv("Nothing to ${OOPS} here", refuse), { ok: false, missing: ["OOPS"] });
  assert.deepEqual(interpolateEnv("Int${e}r${pol}at${e}d", identity), { ok: true, value: "Interpolated" });
  assert.deepEqual(interpolateEnv("Badly int${e}r${polat${e}}d", identity), {
    ok: true,
    value: "Badly inter${polate}d",
  });
  // MG's fifth case counts calls of a side-effecting lookup; Ratchet's lookup reads a fixed environment.
});

test("interpolation: empty values, every missing name once, no second pass, and ${} left alone", () => {
  const env: Record<string, string> = { EMPTY: "", NESTED: "${EMPTY}" };
  const lookup = (name: string) => env[name];
  assert.deepEqual(interpolateEnv("a${EMPTY}b", lookup), { ok: true, value: "ab" });
  assert.deepEqual(interpolateEnv("${A}${B}${A}", lookup), { ok: false, missing: ["A", "B"] });
  assert.deepEqual(interpolateEnv("${NESTED}", lookup), { ok: true, value: "${EMPTY}" });
  assert.deepEqual(interpolateEnv("${}", lookup), { ok: true, value: "${}" });
});

test("MG traverse_test_: every string in lists and mappings is interpolated; numbers and booleans are kept", () => {
  const yaml = [
    "blarg:",
    "  - token: '/home/${HOME}/.ssh/id_rsa'",
    "    read_only: true",
    "    mode: 31337",
    "  - port: 8088",
    "    name: ${PORTNAME}",
    "  - port: 8089",
    "    name: ${PORTNAME}",
  ].join("\n");
  const issues: ConfigIssue[] = [];
  const tree = interpolateTree(readYaml(yaml).tree, { env: { HOME: "HOME", PORTNAME: "PORTNAME" }, issues });
  assert.deepEqual(issues, []);
  assert.deepEqual(tree, {
    blarg: [
      { token: "/home/HOME/.ssh/id_rsa", read_only: true, mode: 31337 },
      { port: 8088, name: "PORTNAME" },
      { port: 8089, name: "PORTNAME" },
    ],
  });
});

test("a missing variable is reported with the path of its key, list positions included", () => {
  const issues: ConfigIssue[] = [];
  interpolateTree(readYaml("blarg:\n  - port: 8088\n    name: ${PORTNAME}\n").tree, { env: {}, issues });
  assert.deepEqual(issues, [
    { path: "blarg[0].name", message: "environment variable PORTNAME is not defined" },
  ]);
});
