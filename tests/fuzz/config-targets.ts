/**
 * The YAML configuration loader (src/config/config.ts parseConfig) on any text and environment. Property: a
 * ConfigError listing at least one problem, or a frozen, complete configuration; a valid tree loads, and reads
 * the same with its strings moved into `${VAR}` references; a reference to an undefined variable is reported.
 */
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { ConfigError, parseConfig, type RatchetConfig } from "../../src/config/config.js";
import { type ConfigInput, configInputArbitrary } from "./config-inputs.js";
import { defineTarget, type FuzzTarget, outcomeOf, requireTyped, violation } from "./fuzz-target.js";

function checkFrozen(value: unknown, path: string): void {
  if (typeof value !== "object" || value === null) return;
  if (!Object.isFrozen(value)) violation(`${path} is not frozen`);
  for (const [key, child] of Object.entries(value)) checkFrozen(child, `${path}.${key}`);
}

function checkLoaded(config: RatchetConfig): void {
  checkFrozen(config, "config");
  const names = Object.keys(config.namespaces);
  if (names.length === 0) violation("a configuration without namespaces loaded");
  for (const name of names) {
    const namespace = config.namespaces[name]!;
    if (namespace.name !== name) violation(`namespace ${name} is named ${namespace.name}`);
    const { protocol } = new URL(namespace.processor.url);
    if (protocol !== "http:" && protocol !== "https:") violation(`processor URL ${namespace.processor.url}`);
    for (const limit of Object.values(namespace.limits)) {
      if (!Number.isSafeInteger(limit) || limit <= 0) violation(`namespace ${name} has limit ${limit}`);
    }
  }
}

function checkConfig(input: ConfigInput): void {
  const parsed = outcomeOf(() => parseConfig(input.yaml, input.env));
  if (!parsed.ok) {
    requireTyped(parsed.error, [ConfigError], "parseConfig");
    const { issues, message } = parsed.error as ConfigError;
    if (issues.length === 0) violation("a ConfigError lists no problem");
    if (issues.some((issue) => typeof issue.path !== "string" || issue.message === "")) {
      violation(`a problem without a path or a message: ${message}`);
    }
    if (input.tree !== undefined) violation(`a valid configuration was refused: ${message}`);
    for (const name of input.missing ?? []) {
      const reported = issues.some(
        (issue) => issue.message === `environment variable ${name} is not defined`,
      );
      if (!reported) violation(`\${${name}} is not defined and was not reported: ${message}`);
    }
    return;
  }
  if ((input.missing ?? []).length > 0) {
    violation(`\${${input.missing?.join("}, ${")}} are not defined, yet the configuration loaded`);
  }
  checkLoaded(parsed.value);
  if (input.tree !== undefined) {
    assert.deepStrictEqual(
      parsed.value,
      parseConfig(stringify(input.tree), {}),
      "references read as their values",
    );
  }
}

export const CONFIG_TARGETS: readonly FuzzTarget[] = [
  defineTarget({
    name: "config",
    description:
      "parseConfig on valid, mutated and hostile YAML (aliases, tags, deep nesting) with any environment",
    testCases: 1000,
    arbitrary: configInputArbitrary,
    open: async () => ({ kind: "sync", check: checkConfig }),
  }),
];
