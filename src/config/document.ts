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
  return { tree: document.toJS({ maxAliasCount: 100 }), issues: [] };
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
    const result = interpolateEnv(tree, (name) => env[name]);
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
