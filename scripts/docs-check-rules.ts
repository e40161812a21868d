/**
 * The rules of the docs check, as a pure function: every cited test exists among the names the test runner
 * reported, and every requirement or scenario names what verifies it or says "not yet verified".
 */
import type { Citation, DocumentUnit, ParsedDocument } from "./docs-citations.js";
import { normalizeName } from "./docs-citations.js";
import type { TestNames, TestNode } from "./test-names.js";
import { walkTests } from "./test-names.js";

export interface Problem {
  readonly path: string;
  readonly line: number;
  /** The requirement or scenario, or null for a citation outside every unit. */
  readonly unit: string | null;
  readonly message: string;
}

export interface CheckContext {
  readonly names: TestNames;
  /** The npm scripts of package.json, for `npm run <script>` procedures. */
  readonly scripts: ReadonlySet<string>;
  /** Whether a test file exists in the source tree (a file missing from the run may still exist). */
  readonly testFileExists: (path: string) => boolean;
}

export function checkDocuments(documents: readonly ParsedDocument[], context: CheckContext): Problem[] {
  const problems: Problem[] = [];
  for (const document of documents) {
    for (const unit of document.units) problems.push(...checkUnit(document.path, unit, context));
    for (const citation of document.looseCitations) {
      for (const message of citationProblems(citation, context, true)) {
        problems.push({ path: document.path, line: citation.line, unit: null, message });
      }
    }
  }
  return problems;
}

function checkUnit(path: string, unit: DocumentUnit, context: CheckContext): Problem[] {
  const problems: Problem[] = [];
  const at = (line: number, message: string) => problems.push({ path, line, unit: unit.id, message });
  for (const citation of unit.citations) {
    for (const message of citationProblems(citation, context, unit.saysNotYetVerified)) {
      at(citation.line, message);
    }
  }
  for (const procedure of unit.procedures) {
    if (!context.scripts.has(procedure.script)) {
      at(procedure.line, `\`npm run ${procedure.script}\`: package.json has no script ${procedure.script}`);
    }
  }
  const namesATest = unit.citations.some((citation) => citation.names.length > 0);
  if (!namesATest && unit.procedures.length === 0 && !unit.saysNotYetVerified) {
    at(unit.line, 'names no test or procedure that verifies it, and does not say "not yet verified"');
  }
  return problems;
}

/** What is wrong with one citation, for each file it names. */
function citationProblems(citation: Citation, context: CheckContext, unverifiedAllowed: boolean): string[] {
  const problems: string[] = [];
  for (const file of citation.files) {
    const ran = context.names.files[file];
    if (ran === undefined) {
      problems.push(
        context.testFileExists(file)
          ? `${file} was not part of the last test run`
          : `${file} does not exist${citation.files.length > 1 ? ` (from ${citation.written})` : ""}`,
      );
      continue;
    }
    if (!ran.loaded) problems.push(`${file} failed outside its tests in the last run`);
    if (citation.names.length === 0) continue;
    const found = findTest(ran.tests, citation.names);
    const cited = citation.names.map((name) => JSON.stringify(name)).join(" › ");
    if (found === null) {
      const near = nearestName(ran.tests, citation.names.at(-1) ?? "");
      const hint = near === null ? "" : ` (nearest: ${JSON.stringify(near)})`;
      problems.push(`no test ${cited} in ${file}${hint}`);
    } else if ((found.outcome === "skipped" || found.outcome === "todo") && !unverifiedAllowed) {
      problems.push(
        `${cited} in ${file} was ${found.outcome === "todo" ? "a todo" : "skipped"} in the last run; ` +
          'a skipped test verifies nothing: say "not yet verified" or cite a test that runs',
      );
    }
  }
  return problems;
}

/** The test a path of names leads to: the first name at any depth, each next one a child of the one before. */
export function findTest(tests: readonly TestNode[], names: readonly string[]): TestNode | null {
  const [first, ...rest] = names;
  if (first === undefined) return null;
  for (const { node } of walkTests(tests)) {
    if (normalizeName(node.name) !== first) continue;
    let current: TestNode | undefined = node;
    for (const name of rest) {
      current = current?.children.find((child) => normalizeName(child.name) === name);
    }
    if (current !== undefined) return current;
  }
  return null;
}

/** The name in a file that shares the most words with a cited one, if it shares at least half of them. */
export function nearestName(tests: readonly TestNode[], cited: string): string | null {
  const words = (text: string) =>
    new Set(
      text
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter(Boolean),
    );
  const wanted = words(cited);
  let best: { name: string; score: number } | null = null;
  for (const { node } of walkTests(tests)) {
    const have = words(node.name);
    const shared = [...wanted].filter((word) => have.has(word)).length;
    const score = shared / Math.max(wanted.size, have.size, 1);
    if (score >= 0.5 && (best === null || score > best.score)) best = { name: node.name, score };
  }
  return best?.name ?? null;
}
