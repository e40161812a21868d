/**
 * The one error a configuration can raise: every problem found, each with the path of the bad key and why,
 * so an operator fixes the whole file in one pass instead of one key per restart.
 */
import { RatchetError } from "../core/errors.js";

/** One problem: the dotted path of the key (`namespaces.invoice.retries.timers.factor`) and what is wrong. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends RatchetError {
  readonly code = "config_invalid";

  constructor(
    readonly issues: readonly ConfigIssue[],
    /** The file the configuration came from, when there was one. */
    readonly source?: string,
  ) {
    super(formatConfigIssues(issues, source));
  }
}

function formatConfigIssues(issues: readonly ConfigIssue[], source: string | undefined): string {
  const where = source === undefined ? "the configuration" : `the configuration in ${source}`;
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  const lines = issues.map(
    (issue) => `  ${issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`}`,
  );
  return `${where} is invalid (${count}):\n${lines.join("\n")}`;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `["namespaces", "invoice", "endpoints", 0, "host"]` → `namespaces.invoice.endpoints[0].host`. */
export function formatConfigPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else if (typeof key === "string" && PLAIN_KEY.test(key)) text += text === "" ? key : `.${key}`;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text;
}
