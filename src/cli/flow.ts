/**
 * `ratchet flow NS`: the namespace's flow over a window, folded from the step journal straight from storage:
 * steps as nodes, "A was followed by B" as transitions, each with counts, p50/p95, failure and retry rates; with
 * `--config` and a declared flow, declared against observed. As text, JSON or Mermaid.
 */
import { parseArgs } from "node:util";
import { parseDurationUs } from "../config/units.js";
import { flowToMermaid, foldFlow } from "../core/flow.js";
import { FLOW_ENTRIES_MAX, validateFlowQuery } from "../engine/journal-queries.js";
import { SystemClock } from "../runtime/system-clock.js";
import type { CliIo } from "./command-arguments.js";
import { positionalArguments, UsageError } from "./command-arguments.js";
import { EXIT } from "./exit-codes.js";
import { flowLines, flowView } from "./flow-view.js";
import {
  checkNamespace,
  openExistingStorage,
  STORAGE_OPTIONS,
  STORAGE_USAGE,
  storageTargetOf,
} from "./storage-target.js";

export const FLOW_USAGE = `usage: ratchet flow NS [--since WHEN] [--until WHEN] [--format text|json|mermaid] ${STORAGE_USAGE}

  the namespace's flow, folded from the step journal: each step with its visits, attempts, p50/p95 duration,
  failure and retry rates, and each transition "A → B" with the same of its B visits. With --config and a
  declared flow (namespaces.NS.flow), each says whether it was declared, and declared transitions never seen show
  with 0. WHEN is a duration before now (1h, 30m, 2d) or an ISO 8601 instant (2026-01-31T12:00:00Z); the window
  is --since 1h to now unless given. At most ${FLOW_ENTRIES_MAX} journal entries are folded; a window with more says so.`;

const FORMATS = ["text", "json", "mermaid"] as const;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

export async function runFlowCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...STORAGE_OPTIONS,
      since: { type: "string" },
      until: { type: "string" },
      format: { type: "string", default: "text" },
    },
  });
  const [namespace] = positionalArguments(positionals, ["NS"]);
  const format = FORMATS.find((name) => name === values.format);
  if (format === undefined) {
    throw new UsageError(
      `--format must be one of ${FORMATS.join(", ")}; got ${JSON.stringify(values.format)}`,
    );
  }
  const nowUs = new SystemClock().nowUs();
  const untilUs = instantUsOf(values.until, "--until", nowUs);
  const sinceUs = instantUsOf(values.since, "--since", nowUs);
  const window = validateFlowQuery(
    { ...(sinceUs === undefined ? {} : { sinceUs }), ...(untilUs === undefined ? {} : { untilUs }) },
    nowUs,
  );
  const target = await storageTargetOf(values, io);
  checkNamespace(target, namespace);
  const declared = target.config?.namespaces[namespace]?.flow ?? null;
  const storage = await openExistingStorage(target);
  try {
    const read = { ...window, limit: FLOW_ENTRIES_MAX + 1 };
    const entries = await storage.readJournalWindow(namespace, read);
    const flow = foldFlow({
      namespace,
      ...window,
      entries: entries.slice(0, FLOW_ENTRIES_MAX),
      truncated: entries.length > FLOW_ENTRIES_MAX,
      declared,
    });
    if (format === "json") io.write(JSON.stringify(flowView(flow, declared !== null)));
    else if (format === "mermaid") io.write(flowToMermaid(flow).trimEnd());
    else for (const line of flowLines(flow, declared !== null)) io.write(line);
    return EXIT.ok;
  } finally {
    await storage.close();
  }
}

/** `--since`/`--until`: a duration before now, or an ISO 8601 instant; absent gives undefined. */
function instantUsOf(value: string | undefined, flag: string, nowUs: number): number | undefined {
  if (value === undefined) return undefined;
  if (ISO_INSTANT.test(value.trim())) {
    const ms = Date.parse(value.trim());
    if (Number.isFinite(ms)) return ms * 1000;
  }
  const duration = parseDurationUs(value);
  if (duration.ok && Number.isFinite(duration.value)) return nowUs - duration.value;
  throw new UsageError(
    `${flag} must be a duration before now (1h, 30m, 2d) or an ISO 8601 instant; got ${JSON.stringify(value)}`,
  );
}
