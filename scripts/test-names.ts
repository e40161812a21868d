/**
 * The names of the tests as Node's test runner reports them, per test file, with their suites: what the docs
 * check compares citations with. Names are taken from the runner's events, not from the sources, because some
 * are built at run time (the storage conformance suite names its suite after the adapter, some tests are
 * generated in loops).
 */

/** Written in every names file, so the checker refuses a file it does not understand. */
export const TEST_NAMES_FORMAT = "ratchet-test-names/1";

export type TestOutcome = "passed" | "failed" | "skipped" | "todo";

export interface TestNode {
  readonly name: string;
  readonly suite: boolean;
  readonly outcome: TestOutcome;
  readonly children: readonly TestNode[];
}

export interface TestFileNames {
  /** False when the file itself failed (it did not load, or threw outside its tests). */
  readonly loaded: boolean;
  readonly tests: readonly TestNode[];
}

export interface TestNames {
  readonly format: typeof TEST_NAMES_FORMAT;
  /** When the run ended (ISO 8601). */
  readonly generatedAt: string;
  /** Keyed by the source path of the test file, as the documents cite it: `tests/engine/timers.test.ts`. */
  readonly files: Readonly<Record<string, TestFileNames>>;
}

/** The part of a runner event the collector reads (`node:test/reporters`' TestEvent has these shapes). */
export type RunnerEvent =
  | {
      readonly type: "test:enqueue" | "test:dequeue";
      readonly data: { readonly name: string; readonly nesting: number; readonly file?: string | undefined };
    }
  | {
      readonly type: "test:pass" | "test:fail";
      readonly data: {
        readonly name: string;
        readonly nesting: number;
        readonly file?: string | undefined;
        readonly skip?: string | boolean | undefined;
        readonly todo?: string | boolean | undefined;
        readonly details: { readonly type?: "suite" | undefined };
      };
    }
  | { readonly type: string; readonly data?: unknown };

/** A compiled test file (`dist/tests/x.test.js`) by the source path the documents cite (`tests/x.test.ts`). */
export function sourcePathOf(file: string, cwd: string): string {
  const absolute = file.replaceAll("\\", "/");
  const root = `${cwd.replaceAll("\\", "/").replace(/\/$/, "")}/`;
  const relative = absolute.startsWith(root) ? absolute.slice(root.length) : absolute;
  const compiled = /^dist\/(.+)\.js$/.exec(relative);
  return compiled === null ? relative : `${compiled[1]}.ts`;
}

interface FileInProgress {
  loaded: boolean;
  /** Completed tests by nesting level, waiting for their parent to complete. */
  readonly pending: Map<number, TestNode[]>;
}

/**
 * Builds the tree of each file's tests from the runner's events. The runner reports a test as passed or
 * failed after all of its subtests, with its nesting level, so a test's children are the tests completed one
 * level deeper since the last test at its own level completed.
 *
 * An event's `file` is where its test was declared, which for the conformance suite is
 * src/storage/conformance.ts whichever adapter's test file runs it. So a test belongs to the file the runner
 * last dequeued (the runner announces each file as a test named after its path): this holds when files run one
 * at a time, as `npm test` runs them (`--test-concurrency=1`).
 */
export class TestNamesCollector {
  readonly #files = new Map<string, FileInProgress>();
  #running: FileInProgress | null = null;

  constructor(private readonly cwd: string) {}

  add(event: RunnerEvent): void {
    if (!hasTestData(event.data)) return;
    const { data } = event;
    const fileLevel = data.file !== undefined && data.name === data.file && data.nesting === 0;
    switch (event.type) {
      case "test:enqueue":
        if (fileLevel) this.#file(data.file as string);
        return;
      case "test:dequeue":
        if (fileLevel) this.#running = this.#file(data.file as string);
        return;
      case "test:pass":
      case "test:fail": {
        if (!isCompletion(data)) return;
        const failed = event.type === "test:fail";
        if (fileLevel) {
          // The runner reports the file itself only when the file failed outside its tests.
          if (failed) this.#file(data.file as string).loaded = false;
          return;
        }
        this.#complete(failed, data);
      }
    }
  }

  result(generatedAt: string): TestNames {
    const files: Record<string, TestFileNames> = {};
    for (const [path, file] of [...this.#files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      // Leftovers deeper than the top level belong to a run that stopped mid-file; keep their names anyway.
      const levels = [...file.pending.keys()].sort((a, b) => a - b);
      files[path] = { loaded: file.loaded, tests: levels.flatMap((level) => file.pending.get(level) ?? []) };
    }
    return { format: TEST_NAMES_FORMAT, generatedAt, files };
  }

  #file(file: string): FileInProgress {
    const path = sourcePathOf(file, this.cwd);
    let entry = this.#files.get(path);
    if (entry === undefined) {
      entry = { loaded: true, pending: new Map() };
      this.#files.set(path, entry);
    }
    return entry;
  }

  #complete(failed: boolean, data: Completion): void {
    // A test run without a file announcement (a REPL, an eval string) has no file to cite.
    const file = this.#running ?? (data.file === undefined ? null : this.#file(data.file));
    if (file === null) return;
    const children = file.pending.get(data.nesting + 1) ?? [];
    file.pending.delete(data.nesting + 1);
    const node: TestNode = {
      name: data.name,
      suite: data.details.type === "suite",
      outcome: outcomeOf(failed, data),
      children,
    };
    const siblings = file.pending.get(data.nesting) ?? [];
    siblings.push(node);
    file.pending.set(data.nesting, siblings);
  }
}

type Completion = Extract<RunnerEvent, { type: "test:pass" | "test:fail" }>["data"];

function outcomeOf(failed: boolean, data: Completion): TestOutcome {
  if (data.todo !== undefined && data.todo !== false) return "todo";
  if (data.skip !== undefined && data.skip !== false) return "skipped";
  return failed ? "failed" : "passed";
}

function hasTestData(data: unknown): data is { name: string; nesting: number; file?: string } {
  if (typeof data !== "object" || data === null) return false;
  const { name, nesting } = data as Record<string, unknown>;
  return typeof name === "string" && typeof nesting === "number";
}

function isCompletion(data: unknown): data is Completion {
  if (typeof data !== "object" || data === null) return false;
  const { name, nesting, details } = data as Record<string, unknown>;
  return typeof name === "string" && typeof nesting === "number" && typeof details === "object";
}

/** Every test and suite of a file, depth first, with the names of the suites around it. */
export function* walkTests(
  nodes: readonly TestNode[],
  parents: readonly string[] = [],
): Generator<{ node: TestNode; parents: readonly string[] }> {
  for (const node of nodes) {
    yield { node, parents };
    yield* walkTests(node.children, [...parents, node.name]);
  }
}

/** Why a parsed JSON value is not a names file, or null when it is one. */
export function testNamesProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null) return "not a JSON object";
  const { format, generatedAt, files } = value as Record<string, unknown>;
  if (format !== TEST_NAMES_FORMAT) return `format is ${JSON.stringify(format)}, not ${TEST_NAMES_FORMAT}`;
  if (typeof generatedAt !== "string") return "generatedAt is missing";
  if (typeof files !== "object" || files === null) return "files is missing";
  return null;
}
