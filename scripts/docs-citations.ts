/**
 * Reads a requirements or scenarios document into units (a requirement, a scenario) and the test citations in
 * each. Pure: from text to values.
 *
 * - A requirement starts with a line `**<ID> <title>**` (`**BR-3 …**`, `**FR-12 …**`) and runs until the next
 *   unit or heading. A scenario is a numbered heading (`## 3. Repair …`) and runs until the next heading of its
 *   level or above.
 * - A citation is `` `tests/<path>.test.ts` › "test name" ``; more `› "name"` parts name a test inside a suite
 *   (`› "suite" › "test"`). Braces list alternatives: `tests/storage/{sqlite,postgres}.test.ts` › "…" cites the
 *   test in both files. A bare `` `tests/<path>.test.ts` `` cites the file. A name may wrap across lines; runs of
 *   white space compare as one space. A test whose name holds a double quote cannot be cited. A path with `<`
 *   (`tests/<path>.test.ts`) and the name "…" are placeholders that show the format, not citations.
 * - A unit says what verifies it after `Verified by` or `Exercised by`: test citations, or an `npm run <script>`
 *   procedure; or it says "not yet verified".
 */

export interface Citation {
  /** The path as written, braces included. */
  readonly written: string;
  /** The files it cites, braces expanded. */
  readonly files: readonly string[];
  /** Test names from the outermost suite inward; empty when only the file is cited. */
  readonly names: readonly string[];
  readonly line: number;
}

export interface DocumentUnit {
  /** `BR-3`, or `§3` for a numbered scenario. */
  readonly id: string;
  readonly line: number;
  readonly citations: readonly Citation[];
  /** npm scripts named as verification (`npm run lint`), after the unit's "Verified by". */
  readonly procedures: readonly { readonly script: string; readonly line: number }[];
  readonly saysNotYetVerified: boolean;
}

export interface ParsedDocument {
  readonly path: string;
  readonly units: readonly DocumentUnit[];
  /** Citations outside every unit (an index table, a planned list): checked, but verify nothing. */
  readonly looseCitations: readonly Citation[];
}

const REQUIREMENT_START = /^\*\*([A-Z]{1,5}-\d+[a-z]?)\b/;
const SCENARIO_HEADING = /^(#{2,4}) (\d+[a-z]?)\. /;
const HEADING = /^(#{1,6}) /;
const CITATION = /`(tests\/[^`\s]*?\.test\.ts)`((?:\s*›\s*"[^"]*")*)/g;
const CITED_NAME = /"([^"]*)"/g;
const VERIFICATION_MARK = /\b(?:Verified|Exercised) by\b/;
const PROCEDURE = /`npm run ([\w:.-]+)[^`]*`/g;
/** A name written to show the format (`› "…"`), not to cite a test. */
const PLACEHOLDER_NAME = "…";
const NOT_YET_VERIFIED = /\bnot yet verified\b/i;

export function normalizeName(name: string): string {
  return name.replace(/\s+/g, " ").trim();
}

/** `a/{b,c}.ts` → `a/b.ts`, `a/c.ts`; nested braces are not supported. */
export function expandBraces(path: string): string[] {
  const match = /\{([^{}]*)\}/.exec(path);
  if (match === null) return [path];
  const head = path.slice(0, match.index);
  const tail = path.slice(match.index + match[0].length);
  return (match[1] ?? "").split(",").flatMap((choice) => expandBraces(`${head}${choice.trim()}${tail}`));
}

interface Span {
  readonly id: string;
  readonly startLine: number;
  /** Exclusive. */
  readonly endLine: number;
}

interface OpenUnit {
  readonly id: string;
  readonly startLine: number;
  /** The level of a scenario's heading; null for a requirement, which any heading ends. */
  readonly headingLevel: number | null;
}

/** Where each unit starts and ends, by line index (0-based). */
function unitSpans(lines: readonly string[]): Span[] {
  const spans: Span[] = [];
  let open: OpenUnit | null = null;
  for (const [index, line] of lines.entries()) {
    const heading = HEADING.exec(line);
    const level = heading === null ? null : (heading[1] ?? "").length;
    const requirement = heading === null ? REQUIREMENT_START.exec(line) : null;
    const scenario = SCENARIO_HEADING.exec(line);
    if (open !== null) {
      const endedByHeading = level !== null && (open.headingLevel === null || level <= open.headingLevel);
      if (requirement !== null || endedByHeading) {
        spans.push({ id: open.id, startLine: open.startLine, endLine: index });
        open = null;
      }
    }
    if (scenario !== null) open = { id: `§${scenario[2]}`, startLine: index, headingLevel: level };
    else if (requirement !== null) open = { id: requirement[1] ?? "", startLine: index, headingLevel: null };
  }
  if (open !== null) spans.push({ id: open.id, startLine: open.startLine, endLine: lines.length });
  return spans;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let index = text.indexOf("\n"); index !== -1; index = text.indexOf("\n", index + 1)) {
    starts.push(index + 1);
  }
  return starts;
}

/** The 0-based line of a character offset. */
function lineAt(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if ((starts[middle] ?? 0) <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

export function parseDocument(path: string, text: string): ParsedDocument {
  const lines = text.split("\n");
  const starts = lineStarts(text);
  const citations: (Citation & { readonly lineIndex: number })[] = [];
  for (const match of text.matchAll(CITATION)) {
    const written = match[1] ?? "";
    if (written.includes("<")) continue; // a placeholder, as in `tests/<path>.test.ts`
    const names = [...(match[2] ?? "").matchAll(CITED_NAME)]
      .map((name) => normalizeName(name[1] ?? ""))
      .filter((name) => name !== PLACEHOLDER_NAME);
    const lineIndex = lineAt(starts, match.index ?? 0);
    citations.push({ written, files: expandBraces(written), names, line: lineIndex + 1, lineIndex });
  }
  const spans = unitSpans(lines);
  const inSpan = (span: Span, lineIndex: number) => lineIndex >= span.startLine && lineIndex < span.endLine;
  const units = spans.map((span): DocumentUnit => {
    const unitText = lines.slice(span.startLine, span.endLine).join("\n");
    return {
      id: span.id,
      line: span.startLine + 1,
      citations: citations.filter((citation) => inSpan(span, citation.lineIndex)).map(withoutIndex),
      procedures: proceduresOf(unitText, span.startLine),
      saysNotYetVerified: NOT_YET_VERIFIED.test(normalizeName(unitText)),
    };
  });
  const looseCitations = citations
    .filter((citation) => !spans.some((span) => inSpan(span, citation.lineIndex)))
    .map(withoutIndex);
  return { path, units, looseCitations };
}

function withoutIndex({ lineIndex: _, ...citation }: Citation & { lineIndex: number }): Citation {
  return citation;
}

function proceduresOf(unitText: string, startLine: number): DocumentUnit["procedures"] {
  const mark = VERIFICATION_MARK.exec(unitText);
  if (mark === null) return [];
  const verification = unitText.slice(mark.index);
  const offsetLines = unitText.slice(0, mark.index).split("\n").length - 1;
  const starts = lineStarts(verification);
  return [...verification.matchAll(PROCEDURE)].map((match) => ({
    script: match[1] ?? "",
    line: startLine + offsetLines + lineAt(starts, match.index ?? 0) + 1,
  }));
}
