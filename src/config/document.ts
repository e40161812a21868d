/**
 * From YAML text to a plain tree ready for validation: YAML syntax errors with their line, empty values read as
 * absent, and `${ENV}` interpolated in every string value with the key path of any undefined variable.
 */
import { parseDocument } from "yaml";
import type { ConfigIssue } from "./errors.js";
import { formatConfigPath } from "./errors.js";
import { interpolateEnv } from "./units.js";

export type Environment = Readonly<Record<string, string | undefined>>;

/** A YAML mapping as JavaScript sees it. */
export type Mapping = { readonly [key: string]: unknown };

export function isMapping(value: unknown): value is Mapping {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses one YAML document (YAML 1.2 core schema, so `on` and `no` stay strings). Duplicate keys are errors, so
 * a repeated namespace cannot silently replace the first.
 */
export function readYaml(text: string): { tree: unknown; issues: ConfigIssue[] } {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    const issues = document.errors.map((error) => ({
      path: "",
      message: `YAML: ${error.message.split("\n")[0]}`,
    }));
    return { tree: undefined, issues };
  }
  let tree: unknown;
  try {
    tree = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // yaml throws ReferenceError for an alias it will not resolve: one before its anchor, or one whose
    // expansions pass maxAliasCount (an alias bomb). Anything else is not the document's doing.
    if (!(error instanceof ReferenceError)) throw error;
    return { tree: undefined, issues: [{ path: "", message: `YAML: ${error.message}` }] };
  }
  const problem = shapeProblemOf(tree);
  return problem === undefined
    ? { tree, issues: [] }
    : { tree: undefined, issues: [{ path: "", message: problem }] };
}

/** A configuration is a few levels deep; far deeper trees are refused, so every walk of one is bounded. */
const TREE_DEPTH_MAX = 64;

/** An alias inside its own anchor (`a: &x [*x]`) makes a cycle, which every later walk would follow forever. */
function shapeProblemOf(tree: unknown): string | undefined {
  const ancestors = new Set<object>();
  const visit = (node: unknown, depth: number): string | undefined => {
    if (typeof node !== "object" || node === null) return undefined;
    if (ancestors.has(node)) return "YAML: an alias refers to a node that contains it";
    if (depth > TREE_DEPTH_MAX) return `YAML: nests deeper than ${TREE_DEPTH_MAX} levels`;
    ancestors.add(node);
    for (const child of Object.values(node)) {
      const problem = visit(child, depth + 1);
      if (problem !== undefined) return problem;
    }
    ancestors.delete(node);
    return undefined;
  };
  return visit(tree, 1);
}

/**
 * Copies the tree with every string interpolated and every empty (`null`) mapping value removed, so that
 * `timers:` with nothing after it means "the defaults". Keys are not interpolated, as in MG.
 */
export function interpolateTree(
  tree: unknown,
  options: { env: Environment; issues: ConfigIssue[]; path?: readonly PropertyKey[] },
): unknown {
  const { env, issues, path = [] } = options;
  if (typeof tree === "string") {
    // Own entries only: `${constructor}` or `${__proto__}` must not find what every object inherits.
    const result = interpolateEnv(tree, (name) => (Object.hasOwn(env, name) ? env[name] : undefined));
    if (result.ok) return result.value;
    for (const name of result.missing) {
      issues.push({ path: formatConfigPath(path), message: `environment variable ${name} is not defined` });
    }
    return tree;
  }
  if (Array.isArray(tree)) {
    return tree.map((item, index) => interpolateTree(item, { env, issues, path: [...path, index] }));
  }
  if (isMapping(tree)) {
    // Validation builds plain objects, where a key named __proto__ would vanish into the prototype.
    if (Object.hasOwn(tree, "__proto__")) {
      issues.push({ path: formatConfigPath([...path, "__proto__"]), message: "is not allowed as a key" });
    }
    return Object.fromEntries(
      Object.entries(tree)
        .filter(([key, value]) => key !== "__proto__" && value !== null && value !== undefined)
        .map(([key, value]) => [key, interpolateTree(value, { env, issues, path: [...path, key] })]),
    );
  }
  return tree;
}
