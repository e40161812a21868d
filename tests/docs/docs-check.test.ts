/**
 * Proves the docs check on fixture documents in a temporary directory, never the real docs: the names reporter
 * runs Node's test runner on two fixture test files that share a suite declared in a third module (as the
 * storage conformance suite is shared) and records the names the runner reports; the check then passes a
 * document whose citations hold, and fails, naming the requirement and the line, one that cites a missing or
 * skipped test, one with a requirement that names no test and does not say "not yet verified", and a run with
 * no names file at all.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { TestNames } from "../../scripts/test-names.js";

const REPORTER = fileURLToPath(new URL("../../scripts/test-names-reporter.js", import.meta.url));
const CHECKER = fileURLToPath(new URL("../../scripts/docs-check.js", import.meta.url));
/** A run longer than this is a hang. */
const RUN_MS_MAX = 60_000;

let directory: string;

function write(path: string, text: string): void {
  mkdirSync(dirname(join(directory, path)), { recursive: true });
  writeFileSync(join(directory, path), text);
}

/** A child process in the fixture directory, outside the test runner that runs this file. */
function run(args: readonly string[]) {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // else the child would report to this runner instead of its own reporters
  const result = spawnSync(process.execPath, args, {
    cwd: directory,
    env,
    encoding: "utf8",
    timeout: RUN_MS_MAX,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function check(document: string, names = "dist/test-names.json") {
  write("docs/requirements.md", document);
  return run([CHECKER, "--names", names, "docs/requirements.md"]);
}

before(() => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-docs-check-"));
  write("package.json", JSON.stringify({ type: "module", scripts: { lint: "true" } }));
  write(
    "dist/tests/fixture/shared-suite.js",
    `import { describe, test } from "node:test";
export function runSharedSuite(adapter) {
  describe(\`shared suite: \${adapter}\`, () => {
    test("keeps its promise", () => {});
  });
}`,
  );
  for (const adapter of ["alpha", "beta"]) {
    write(
      `dist/tests/fixture/${adapter}.test.js`,
      `import { test } from "node:test";
import { runSharedSuite } from "./shared-suite.js";
runSharedSuite("${adapter}");
test("skipped without a broker", { skip: "no broker here" }, () => {});
test("outer", async (t) => {
  for (const round of [1, 2]) await t.test(\`round \${round} of ${adapter}\`, () => {});
});`,
    );
  }
  const reporterRun = run([
    "--test",
    "--test-concurrency=1",
    `--test-reporter=${REPORTER}`,
    "--test-reporter-destination=dist/test-names.json",
    "dist/tests/",
  ]);
  assert.equal(reporterRun.code, 0, reporterRun.stderr);
});

after(() => rmSync(directory, { recursive: true, force: true }));

test("the reporter records every name the runner reports, per test file, with its suites", () => {
  const names = JSON.parse(readFileSync(join(directory, "dist/test-names.json"), "utf8")) as TestNames;
  assert.deepEqual(Object.keys(names.files), ["tests/fixture/alpha.test.ts", "tests/fixture/beta.test.ts"]);
  const alpha = names.files["tests/fixture/alpha.test.ts"];
  assert.ok(alpha?.loaded);
  assert.deepEqual(
    alpha.tests.map((node) => [
      node.name,
      node.suite,
      node.outcome,
      node.children.map((child) => child.name),
    ]),
    [
      ["shared suite: alpha", true, "passed", ["keeps its promise"]],
      ["skipped without a broker", false, "skipped", []],
      ["outer", false, "passed", ["round 1 of alpha", "round 2 of alpha"]],
    ],
  );
});

const GOOD = `# Requirements

Citations look like \`tests/<path>.test.ts\` › "…".

**XR-1 A shared suite holds in both files.** Names built at run time count.
*Verified by:* \`tests/fixture/{alpha,beta}.test.ts\` › "keeps its promise"; \`tests/fixture/alpha.test.ts\` ›
"shared suite: alpha" › "keeps its promise"; \`tests/fixture/beta.test.ts\` › "round 2 of
beta".

**XR-2 Checked by a procedure.** *Verified by:* \`npm run lint\`.

**XR-3 Waits for a broker.** Not yet verified: \`tests/fixture/alpha.test.ts\` › "skipped without a broker"
runs only with a broker.

## 1. A scenario with no test yet

Not yet verified.
`;

test("a document whose citations hold passes, and says where its names come from", () => {
  const result = check(GOOD);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /test names from the test run that ended .*this check runs no tests/);
  assert.match(result.stdout, /docs\/requirements\.md: 4 requirements and scenarios, 4 test citations/);
  assert.match(result.stdout, /docs:check: ok/);
});

test("a requirement that names a missing test fails, with its id, line and the nearest name", () => {
  const document = `${GOOD}
**XR-4 Cites a test that is gone.**
*Verified by:* \`tests/fixture/alpha.test.ts\` › "keeps its promises"; \`tests/fixture/{alpha,gamma}.test.ts\` ›
"keeps its promise"; \`tests/fixture/alpha.test.ts\` › "shared suite: beta" › "keeps its promise".
`;
  const result = check(document);
  assert.equal(result.code, 1);
  const problems = result.stderr.trim().split("\n");
  assert.deepEqual(problems, [
    'docs/requirements.md:20: XR-4: no test "keeps its promises" in tests/fixture/alpha.test.ts (nearest: "keeps its promise")',
    "docs/requirements.md:20: XR-4: tests/fixture/gamma.test.ts does not exist (from tests/fixture/{alpha,gamma}.test.ts)",
    'docs/requirements.md:21: XR-4: no test "shared suite: beta" › "keeps its promise" in tests/fixture/alpha.test.ts (nearest: "keeps its promise")',
  ]);
  assert.match(result.stdout, /docs:check: 3 problems/);
});

test('a requirement with no test and no "not yet verified" fails, and so does one resting on a skipped test', () => {
  const document = `${GOOD}
**XR-5 Promised, never checked.** Every payment is charged once.

**XR-6 Rests on a skipped test.** *Verified by:* \`tests/fixture/beta.test.ts\` › "skipped without a broker".

**XR-7 Names a script that does not exist.** *Verified by:* \`npm run bench\`.
`;
  const result = check(document);
  assert.equal(result.code, 1);
  const problems = result.stderr.trim().split("\n");
  assert.deepEqual(problems, [
    'docs/requirements.md:19: XR-5: names no test or procedure that verifies it, and does not say "not yet verified"',
    'docs/requirements.md:21: XR-6: "skipped without a broker" in tests/fixture/beta.test.ts was skipped in the last run; a skipped test verifies nothing: say "not yet verified" or cite a test that runs',
    "docs/requirements.md:23: XR-7: `npm run bench`: package.json has no script bench",
  ]);
});

test("without a names file the check says a test run is needed and fails", () => {
  const result = check(GOOD, "dist/no-such-names.json");
  assert.equal(result.code, 2);
  assert.match(result.stderr, /cannot check: dist\/no-such-names\.json does not exist/);
  assert.match(result.stderr, /run `npm test`/);
  write("dist/cut-short.json", '{"format": "ratchet-test-names/1", "files": {');
  const cutShort = check(GOOD, "dist/cut-short.json");
  assert.equal(cutShort.code, 2);
  assert.match(cutShort.stderr, /is not JSON .*interrupted/);
});
