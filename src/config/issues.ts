/**
 * Turns zod's issues into configuration issues: one line per bad key, its dotted path, and a reason in the words
 * of this configuration ("a mapping", "unknown key") rather than zod's.
 */
import type { z } from "zod";
import type { ConfigIssue } from "./errors.js";
import { formatConfigPath } from "./errors.js";
import { describeValue } from "./values.js";

type Issue = z.core.$ZodIssue;

const NOUNS: Readonly<Record<string, string>> = {
  object: "a mapping",
  record: "a mapping",
  array: "a list",
  string: "text",
  number: "a number",
  boolean: "true or false",
};

export function toConfigIssues(issues: readonly Issue[], base: readonly PropertyKey[] = []): ConfigIssue[] {
  return issues.flatMap((issue) => describeIssue(issue, [...base, ...issue.path]));
}

function describeIssue(issue: Issue, path: readonly PropertyKey[]): ConfigIssue[] {
  const at = (message: string, where = path) => [{ path: formatConfigPath(where), message }];
  switch (issue.code) {
    case "custom":
      return at(issue.message);
    case "invalid_type":
      if (issue.input === undefined) return at("is required");
      return at(`must be ${NOUNS[issue.expected] ?? issue.expected}; got ${describeValue(issue.input)}`);
    case "unrecognized_keys":
      return issue.keys.flatMap((key) => at("unknown key", [...path, key]));
    case "invalid_value":
      return at(`must be ${issue.values.map((value) => JSON.stringify(value)).join(" or ")}`);
    case "invalid_union":
      return describeUnion(issue, path);
    case "too_small":
      if (issue.origin === "array") return at(`must list at least ${issue.minimum} item(s)`);
      return at(`must be ${issue.inclusive === false ? ">" : "≥"} ${issue.minimum}`);
    case "too_big":
      if (issue.origin === "array") return at(`must list at most ${issue.maximum} item(s)`);
      return at(`must be ${issue.inclusive === false ? "<" : "≤"} ${issue.maximum}`);
    default:
      return at(issue.message);
  }
}

/**
 * A discriminated union names its options. A plain union (`disabled` or a mapping) reports the problems of the
 * option the value was closest to: the one whose problems are deeper than the value itself.
 */
function describeUnion(
  issue: Extract<Issue, { code: "invalid_union" }>,
  path: readonly PropertyKey[],
): ConfigIssue[] {
  const where = formatConfigPath(path);
  if (issue.discriminator !== undefined && "options" in issue && issue.options !== undefined) {
    const options = issue.options.map((option) => String(option)).join(", ");
    const message =
      issue.input === undefined ? `is required: one of ${options}` : `must be one of ${options}`;
    return [{ path: where, message }];
  }
  const nested = issue.errors.filter((errors) => errors.every((error) => error.path.length > 0));
  if (nested.length === 1) return toConfigIssues(nested[0]!, path);
  const expected = issue.errors
    .flatMap((errors) => errors.filter((error) => error.path.length === 0))
    .map((error) =>
      describeIssue(error, path)[0]
        ?.message.replace(/^must be /, "")
        .replace(/; got .*$/, ""),
    );
  const choices =
    expected.length > 2 ? `${expected.slice(0, -1).join(", ")} or ${expected.at(-1)}` : expected.join(" or ");
  return [{ path: where, message: `must be ${choices}; got ${describeValue(issue.input)}` }];
}
