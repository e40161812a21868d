/**
 * `ratchet bulk`: bulk operations from the command line, on the storage a configuration (or an SQLite file)
 * names, as the other operator commands reach it: start a run (or count it with --dry-run), read its progress
 * and outcomes, cancel it, list a namespace's runs. A run started here is driven by whichever serving node's bulk
 * runner takes it first (within a second); its actor is `cli`. The request is checked by the same code as the
 * JSON API's (http/api/bulk-start.ts), so a bad filter, action or rate is refused the same way.
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { BULK_ACTIONS, isBulkAction } from "../core/bulk.js";
import { BulkRunNotFoundError, coerceError } from "../core/errors.js";
import { BULK_DEFAULTS } from "../core/limits.js";
import { startBulk } from "../http/api/bulk-start.js";
import type { BulkFilterWire } from "../http/api/bulk-views.js";
import { bulkOutcomeView, bulkRunView } from "../http/api/bulk-views.js";
import { SystemClock } from "../runtime/system-clock.js";
import type { Storage } from "../storage/storage.js";
import type { CliIo } from "./command-arguments.js";
import { positionalArguments, UsageError, wholeNumberOption } from "./command-arguments.js";
import { EXIT } from "./exit-codes.js";
import {
  checkNamespace,
  openExistingStorage,
  STORAGE_OPTIONS,
  STORAGE_USAGE,
  storageTargetOf,
} from "./storage-target.js";
import { tableLines } from "./text-format.js";

export const BULK_USAGE = `usage: ratchet bulk <command> … ${STORAGE_USAGE}

  start --namespace NS --action ACTION [--status S] [--prefix P] [--timer-due-before WHEN] [--updated-since WHEN]
        [--args JSON] [--rate N] [--dry-run] [--json]
           apply ACTION (${BULK_ACTIONS.join(", ")}) to every machine the filters select; --dry-run only
           counts them; --rate is machines per second (default ${BULK_DEFAULTS.ratePerSecondDefault}); a serving node drives the run
  status ID [--json]      the run's progress and counts
  outcomes ID [--after MACHINE] [--limit N] [--json]
                          the outcome per machine, in id order
  cancel ID               stop the run before its next machine
  list --namespace NS [--json]
                          the namespace's runs, newest first`;

const OPTIONS = {
  ...STORAGE_OPTIONS,
  namespace: { type: "string" },
  action: { type: "string" },
  status: { type: "string" },
  prefix: { type: "string" },
  "timer-due-before": { type: "string" },
  "updated-since": { type: "string" },
  args: { type: "string" },
  rate: { type: "string" },
  "dry-run": { type: "boolean" },
  after: { type: "string" },
  limit: { type: "string" },
  json: { type: "boolean" },
} as const;

const COMMANDS: ReadonlySet<string> = new Set(["start", "status", "outcomes", "cancel", "list"]);

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

export async function runBulkCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || !COMMANDS.has(command)) {
    const problem = command === undefined ? "missing command" : `unknown command ${JSON.stringify(command)}`;
    throw new UsageError(`bulk: ${problem}`, BULK_USAGE);
  }
  const { values, positionals } = parseArgs({ args: [...rest], options: OPTIONS, allowPositionals: true });
  const target = await storageTargetOf(values, io);
  const run = (body: (storage: Storage) => Promise<number>) => withStorage(target, body);
  switch (command) {
    case "start":
      positionalArguments(positionals, []);
      return run((storage) => start(storage, values, io, target));
    case "status":
    case "cancel": {
      const [id] = positionalArguments(positionals, ["ID"]);
      return run((storage) => showRun(storage, { id, cancel: command === "cancel", json: values.json, io }));
    }
    case "outcomes": {
      const [id] = positionalArguments(positionals, ["ID"]);
      return run((storage) => outcomes(storage, id, values, io));
    }
    case "list":
      positionalArguments(positionals, []);
      return run((storage) => list(storage, requireNamespace(values, target), values, io));
    default:
      throw new Error(`bulk: COMMANDS names ${command}, which has no case`); // refused above
  }
}

async function withStorage(
  target: Awaited<ReturnType<typeof storageTargetOf>>,
  body: (storage: Storage) => Promise<number>,
): Promise<number> {
  const storage = await openExistingStorage(target);
  try {
    return await body(storage);
  } finally {
    await storage.close();
  }
}

function requireNamespace(values: Values, target: Awaited<ReturnType<typeof storageTargetOf>>): string {
  if (values.namespace === undefined) throw new UsageError("needs --namespace NS");
  checkNamespace(target, values.namespace);
  return values.namespace;
}

function filterOf(values: Values): BulkFilterWire {
  const status = values.status;
  const statuses = ["idle", "waiting", "retrying", "paused", "failed", "working"] as const;
  if (status !== undefined && !(statuses as readonly string[]).includes(status)) {
    throw new UsageError(`--status must be one of ${statuses.join(", ")}; got ${JSON.stringify(status)}`);
  }
  return {
    ...(status === undefined ? {} : { status: status as BulkFilterWire["status"] & string }),
    ...(values.prefix === undefined ? {} : { id_prefix: values.prefix }),
    ...(values["timer-due-before"] === undefined ? {} : { timer_due_before: values["timer-due-before"] }),
    ...(values["updated-since"] === undefined ? {} : { updated_since: values["updated-since"] }),
  };
}

function argsOf(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--args is not JSON: ${coerceError(error).message}`);
  }
}

function rateOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const rate = Number(text);
  if (text.trim() === "" || !Number.isFinite(rate))
    throw new UsageError(`--rate must be a number; got ${JSON.stringify(text)}`);
  return rate;
}

async function start(
  storage: Storage,
  values: Values,
  io: CliIo,
  target: Awaited<ReturnType<typeof storageTargetOf>>,
): Promise<number> {
  const namespace = requireNamespace(values, target);
  const action = values.action;
  if (action === undefined || !isBulkAction(action)) {
    throw new UsageError(
      `--action must be one of ${BULK_ACTIONS.join(", ")}; got ${JSON.stringify(action ?? null)}`,
    );
  }
  const rate = rateOf(values.rate);
  const started = await startBulk(
    {
      queries: storage,
      store: storage.bulkRuns,
      ratePerSecondMax: target.config?.bulkRatePerSecondMax ?? BULK_DEFAULTS.ratePerSecondMax,
      newId: randomUUID,
      nowUs: new SystemClock().nowUs(),
    },
    {
      namespace,
      action,
      filter: filterOf(values),
      args: argsOf(values.args),
      ...(rate === undefined ? {} : { ratePerSecond: rate }),
      dryRun: values["dry-run"] === true,
      actor: "cli",
    },
  );
  if (started.dryRun) {
    if (values.json === true) io.write(JSON.stringify({ dry_run: true, selected: started.selected }));
    else io.write(`dry run: ${started.selected} machines of ${namespace} selected; nothing started`);
    return EXIT.ok;
  }
  const view = bulkRunView(started.run);
  if (values.json === true) io.write(JSON.stringify(view));
  else {
    io.write(
      `started bulk run ${view.id}: ${view.action} on ${view.selected} machines of ${namespace}, ${view.rate_per_second}/s`,
    );
    io.write(`follow it with: ratchet bulk status ${view.id}`);
  }
  return EXIT.ok;
}

async function showRun(
  storage: Storage,
  options: { id: string; cancel: boolean; json: boolean | undefined; io: CliIo },
): Promise<number> {
  const { id, io } = options;
  const run = options.cancel
    ? await storage.bulkRuns.cancelBulkRun(id, new SystemClock().nowUs())
    : await storage.bulkRuns.readBulkRun(id);
  if (run === null) throw new BulkRunNotFoundError(id);
  const view = bulkRunView(run);
  if (options.json === true) {
    io.write(JSON.stringify(view));
    return EXIT.ok;
  }
  io.write(`bulk run ${view.id}: ${view.action} on ${view.namespace}, ${view.status}`);
  io.write(
    `  ${view.done} of ${view.selected} done: ${view.succeeded} ok, ${view.failed} failed, ${view.skipped} skipped`,
  );
  io.write(`  filter ${JSON.stringify(view.filter)}, ${view.rate_per_second}/s, by ${view.actor}`);
  io.write(`  started ${view.created_at}, last progress ${view.updated_at}`);
  return EXIT.ok;
}

async function outcomes(storage: Storage, id: string, values: Values, io: CliIo): Promise<number> {
  const limit = wholeNumberOption(values.limit, "--limit", {
    min: 1,
    max: BULK_DEFAULTS.outcomesPageMax,
    fallback: BULK_DEFAULTS.outcomesPageDefault,
  }) as number;
  if ((await storage.bulkRuns.readBulkRun(id)) === null) throw new BulkRunNotFoundError(id);
  const found = await storage.bulkRuns.listBulkOutcomes(id, {
    limit,
    ...(values.after === undefined ? {} : { afterMachineId: values.after }),
  });
  const views = found.map(bulkOutcomeView);
  if (values.json === true) {
    io.write(JSON.stringify({ outcomes: views }));
    return EXIT.ok;
  }
  const rows = views.map((view) => [view.machine_id, view.outcome, view.error_type ?? "", view.detail ?? ""]);
  for (const line of tableLines(["MACHINE", "OUTCOME", "ERROR", "DETAIL"], rows)) io.write(line);
  const last = views.at(-1);
  if (views.length === limit && last !== undefined) io.write(`next page: --after ${last.machine_id}`);
  return EXIT.ok;
}

async function list(storage: Storage, namespace: string, values: Values, io: CliIo): Promise<number> {
  const runs = (await storage.bulkRuns.listBulkRuns(namespace, { limit: BULK_DEFAULTS.runsListedMax })).map(
    bulkRunView,
  );
  if (values.json === true) {
    io.write(JSON.stringify({ bulk: runs }));
    return EXIT.ok;
  }
  const rows = runs.map((run) => [
    run.id,
    run.action,
    run.status,
    `${run.done}/${run.selected}`,
    run.created_at,
  ]);
  for (const line of tableLines(["ID", "ACTION", "STATUS", "DONE", "STARTED"], rows)) io.write(line);
  return EXIT.ok;
}
