/**
 * The exact inputs the config fuzz target found, each a plain test: what parseConfig did before its fix (in the
 * test's name) and the ConfigError it raises now.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, parseConfig } from "../../src/config/config.js";

const NAMESPACES = "namespaces:\n  ns:\n    processor:\n      url: http://127.0.0.1:8022/p\n";

function refusedWith(yaml: string, env: Record<string, string>, message: string): void {
  assert.throws(
    () => parseConfig(yaml, env),
    (error: unknown) =>
      error instanceof ConfigError && error.issues.some((issue) => issue.message === message),
  );
}

test("references to constructor and __proto__ read what every object inherits; now they are undefined variables", () => {
  for (const name of ["constructor", "__proto__", "toString"]) {
    const yaml = `storage:\n  type: sqlite\n  path: \${${name}}/ratchet.db\n${NAMESPACES}`;
    refusedWith(yaml, {}, `environment variable ${name} is not defined`);
  }
  const defined = parseConfig(`storage:\n  type: sqlite\n  path: \${constructor}\n${NAMESPACES}`, {
    constructor: "/data",
  });
  assert.deepEqual(defined.storage, { type: "sqlite", path: "/data" });
});

test("an alias bomb escaped as a ReferenceError; now a ConfigError", () => {
  const levels = ["a0: &a0 [x, x]"];
  for (let level = 1; level <= 4; level += 1) {
    levels.push(
      `a${level}: &a${level} [${Array(9)
        .fill(`*a${level - 1}`)
        .join(", ")}]`,
    );
  }
  refusedWith(
    `${levels.join("\n")}\n${NAMESPACES}`,
    {},
    "YAML: Excessive alias count indicates a resource exhaustion attack",
  );
});

test("an alias before its anchor escaped as a ReferenceError; now a ConfigError", () => {
  refusedWith(
    `a: *x\nb: &x 1\n${NAMESPACES}`,
    {},
    "YAML: Unresolved alias (the anchor must be set before the alias): x",
  );
});

test("an alias inside its own anchor overflowed the stack (RangeError); now a ConfigError", () => {
  refusedWith(`a: &x [*x]\n${NAMESPACES}`, {}, "YAML: an alias refers to a node that contains it");
  refusedWith(`a: &x {b: {c: *x}}\n${NAMESPACES}`, {}, "YAML: an alias refers to a node that contains it");
  // The same anchor used twice, side by side, is no cycle.
  assert.throws(() => parseConfig(`a: &x {b: 1}\nc: [*x, *x]\n${NAMESPACES}`, {}), /a: unknown key/);
});

test("nesting is bounded, so every walk of the tree is", () => {
  refusedWith(
    `a: ${"[".repeat(100)}${"]".repeat(100)}\n${NAMESPACES}`,
    {},
    "YAML: nests deeper than 64 levels",
  );
});
