/**
 * `npm run docs:check`: checks the test citations of docs/requirements.md and docs/scenarios.md against the test
 * names of the last `npm test` run (dist/test-names.json, written by scripts/test-names-reporter.ts). It runs no
 * tests: without a names file it says so and fails. Exit codes: 0 every citation holds; 1 problems, each listed
 * with its file, line and requirement; 2 nothing could be checked (no or unreadable names file, bad arguments).
 *
 *   node dist/scripts/docs-check.js [--names FILE] [DOCUMENT …]
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { checkDocuments } from "./docs-check-rules.js";
import { parseDocument } from "./docs-citations.js";
import type { TestNames } from "./test-names.js";
import { testNamesProblem, walkTests } from "./test-names.js";

const DEFAULT_NAMES = "dist/test-names.json";
const DEFAULT_DOCUMENTS = ["docs/requirements.md", "docs/scenarios.md"];
/**
 * Documents whose citations must hold but that are not lists of requirements: their numbered sections need not
 * cite anything (the invariants table of architecture.md names the test behind each invariant).
 */
const CITING_DOCUMENTS = ["docs/architecture.md", "docs/operations.md"];
/** Sources whose change may change the reported names: the test files and the conformance suite. */
const NAME_SOURCES = [/^tests\/.*\.test\.ts$/, /^src\/storage\/conformance[^/]*\.ts$/];

function main(argv: readonly string[]): number {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { names: { type: "string", default: DEFAULT_NAMES } },
  });
  const root = process.cwd();
  const namesPath = values.names;
  const names = readNames(namesPath);
  if (typeof names === "string") {
    console.error(`docs:check: cannot check: ${names}`);
    console.error(
      "docs:check: the names come from a test run; run `npm test`, which runs the tests with the names reporter and then this check",
    );
    return 2;
  }
  const testCount = Object.values(names.files).reduce(
    (sum, file) => sum + [...walkTests(file.tests)].length,
    0,
  );
  console.log(
    `docs:check: test names from the test run that ended ${names.generatedAt} (${namesPath}: ${Object.keys(names.files).length} files, ${testCount} tests and suites); this check runs no tests`,
  );
  for (const warning of stalenessWarnings(root, namesPath, names))
    console.log(`docs:check: warning: ${warning}`);

  const documents = (positionals.length > 0 ? positionals : DEFAULT_DOCUMENTS).map((path) =>
    parseDocument(path, readFileSync(join(root, path), "utf8")),
  );
  if (positionals.length === 0) {
    for (const path of CITING_DOCUMENTS) {
      const parsed = parseDocument(path, readFileSync(join(root, path), "utf8"));
      const citations = [...parsed.looseCitations, ...parsed.units.flatMap((unit) => unit.citations)];
      documents.push({ path, units: [], looseCitations: citations });
    }
  }
  for (const document of documents) {
    const citations = document.units.reduce((sum, unit) => sum + unit.citations.length, 0);
    console.log(
      `docs:check: ${document.path}: ${document.units.length} requirements and scenarios, ${citations + document.looseCitations.length} test citations`,
    );
  }
  const problems = checkDocuments(documents, {
    names,
    scripts: new Set(Object.keys(packageScripts(root))),
    testFileExists: (path) => existsSync(join(root, path)),
  });
  for (const problem of problems) {
    console.error(
      `${problem.path}:${problem.line}: ${problem.unit ?? "(outside a requirement)"}: ${problem.message}`,
    );
  }
  console.log(problems.length === 0 ? "docs:check: ok" : `docs:check: ${problems.length} problems`);
  return problems.length === 0 ? 0 : 1;
}

function readNames(path: string): TestNames | string {
  if (!existsSync(path)) return `${path} does not exist`;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    // An interrupted run leaves the file empty or cut short.
    return `${path} is not JSON (${error instanceof Error ? error.message : String(error)}); was the last test run interrupted?`;
  }
  const problem = testNamesProblem(value);
  return problem === null ? (value as TestNames) : `${path}: ${problem}`;
}

function packageScripts(root: string): Record<string, unknown> {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts?: object };
  return { ...manifest.scripts };
}

/** Test sources changed after the run, and test files the run did not cover: their names may differ now. */
function stalenessWarnings(root: string, namesPath: string, names: TestNames): string[] {
  const ranAt = statSync(namesPath).mtimeMs;
  const sources = listFiles(root, "tests").concat(listFiles(root, "src/storage"));
  const relevant = sources.filter((path) => NAME_SOURCES.some((pattern) => pattern.test(path)));
  const changed = relevant.filter((path) => statSync(join(root, path)).mtimeMs > ranAt);
  const notRun = relevant.filter((path) => path.startsWith("tests/") && names.files[path] === undefined);
  const warnings: string[] = [];
  if (changed.length > 0) warnings.push(`changed since that run: ${changed.join(", ")}`);
  if (notRun.length > 0) warnings.push(`not part of that run: ${notRun.join(", ")}`);
  return warnings;
}

function listFiles(root: string, directory: string): string[] {
  const absolute = join(root, directory);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { recursive: true, encoding: "utf8" })
    .map((entry) => relative(root, join(absolute, entry)).replaceAll("\\", "/"))
    .filter((path) => statSync(join(root, path)).isFile());
}

process.exitCode = main(process.argv.slice(2));
