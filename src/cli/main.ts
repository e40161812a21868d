#!/usr/bin/env node
/**
 * The `ratchet` command. Each command group lives in its own module; this file only dispatches, and turns a
 * thrown error into a message on stderr and an exit code (exit-codes.ts holds the one mapping).
 */
import { parseArgs } from "node:util";
import { AUDIT_USAGE, runAuditCommand } from "./audit.js";
import { BULK_USAGE, runBulkCommand } from "./bulk.js";
import type { CliIo } from "./command-arguments.js";
import { UsageError, wholeNumberOption } from "./command-arguments.js";
import { DEV_PORT_DEFAULT, runDev } from "./dev.js";
import { EXIT, exitCodeOf, isParseArgsError } from "./exit-codes.js";
import { FLOW_USAGE, runFlowCommand } from "./flow.js";
import { MACHINE_USAGE, runMachineCommand } from "./machine.js";
import { MIGRATE_USAGE, runMigrateCommand } from "./migrate.js";
import { OUTBOX_USAGE, runOutboxCommand } from "./outbox.js";
import { runServeCommand, SERVE_USAGE } from "./serve.js";
import { runTokenCommand, TOKEN_USAGE } from "./token.js";

const DEV_USAGE = `usage: ratchet dev [--db PATH] [--port N] [--once]

  runs the engine on the embedded store with a narrated demo (default database ./data/ratchet.db) and serves
  the JSON API on 127.0.0.1 port N (default ${DEV_PORT_DEFAULT}; 0 picks a free one); --once exits after the demo`;

const USAGE = `usage: ratchet <command> [options]

commands:
  dev [--db PATH] [--port N] [--once]   the engine on the embedded store, the JSON API and a narrated demo
  serve --config FILE                   serve the Automaton API as an MG-format configuration describes it
  migrate (--config FILE | --db PATH) [--check]
                                        bring the storage's schema to this build's version, or check it
  machine get|list NS [ID] (--config FILE | --db PATH)
                                        show a machine (status, pause, timer, aux state, last steps, events)
                                        or list machines
  machine steps NS ID [--after N] [--limit N] [--backward] [--json] (--config FILE | --db PATH)
                                        a page of a machine's step journal
  machine start|call|repair|simple-repair|notify|remove NS ID [--args JSON] --config FILE
                                        run one step on a machine through its configured processor
  machine pause NS ID --reason TEXT | resume NS ID | retry-now NS ID  --config FILE
                                        pause a machine, resume a paused one, retry a retrying one now
  flow NS [--since WHEN] [--until WHEN] [--format text|json|mermaid] (--config FILE | --db PATH)
                                        the namespace's steps and transitions as the journal saw them
  outbox status|parked|requeue|drop|replay --config FILE
                                        the outbox per sink: backlog and lag, parked records, replays
  token hash < FILE                     print the SHA-256 of a token's secret, for auth.tokens[].sha256
  audit [--namespace NS] [--machine ID] [--limit N] [--before ID] (--config FILE | --db PATH)
                                        the audit log of operator actions, newest first
  bulk start|status|outcomes|cancel|list … (--config FILE | --db PATH)
                                        one action on every machine a search selects: dry run, progress, outcomes
  help [COMMAND]                        show this text, or a command's

exit codes: 0 ok, 1 operational error, 2 usage or configuration error, 3 not found,
4 the machine is paused, 5 the machine is not paused (resume) or not retrying (retry-now)`;

const USAGES: Readonly<Record<string, string>> = {
  dev: DEV_USAGE,
  serve: SERVE_USAGE,
  migrate: MIGRATE_USAGE,
  machine: MACHINE_USAGE,
  flow: FLOW_USAGE,
  outbox: OUTBOX_USAGE,
  token: TOKEN_USAGE,
  audit: AUDIT_USAGE,
  bulk: BULK_USAGE,
};

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && USAGES[command] !== undefined && isHelp(rest[0])) {
    io.write(USAGES[command]!);
    return EXIT.ok;
  }
  switch (command) {
    case "dev":
      return runDevCommand(rest, io);
    case "serve":
      return runServeCommand(rest, io, untilSignal());
    case "migrate":
      return runMigrateCommand(rest, io);
    case "machine":
      return runMachineCommand(rest, io);
    case "flow":
      return runFlowCommand(rest, io);
    case "outbox":
      return runOutboxCommand(rest, io);
    case "token":
      return runTokenCommand(rest, io, process.stdin);
    case "audit":
      return runAuditCommand(rest, io);
    case "bulk":
      return runBulkCommand(rest, io);
    case "help":
    case "--help":
    case "-h":
      io.write(USAGES[rest[0] ?? ""] ?? USAGE);
      return EXIT.ok;
    case undefined:
      throw new UsageError("missing command", USAGE);
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`, USAGE);
  }
}

function isHelp(word: string | undefined): boolean {
  return word === "help" || word === "--help" || word === "-h";
}

async function runDevCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      db: { type: "string", default: "./data/ratchet.db" },
      once: { type: "boolean", default: false },
      port: { type: "string" },
    },
  });
  const port = wholeNumberOption(values.port, "--port", { min: 0, max: 65_535, fallback: DEV_PORT_DEFAULT })!;
  const node = await runDev({ databasePath: values.db, once: values.once, port, write: io.write });
  if (values.once) {
    await node.close();
    return EXIT.ok;
  }
  await untilSignal();
  await node.close({ drainTimeoutMs: 5000 });
  return EXIT.ok;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

/** The message; after a wrong command line, the command's usage or where to find it. */
function report(error: unknown, argv: readonly string[], io: CliIo): number {
  const code = exitCodeOf(error);
  const message = `error: ${error instanceof Error ? error.message : String(error)}`;
  if (error instanceof UsageError && error.usage !== undefined) io.warn(`${message}\n\n${error.usage}`);
  else if ((error instanceof UsageError || isParseArgsError(error)) && USAGES[argv[0] ?? ""] !== undefined)
    io.warn(`${message}\n(ratchet help ${argv[0]} shows the usage)`);
  else io.warn(message);
  return code;
}

const io: CliIo = {
  write: (line) => console.log(line),
  warn: (line) => console.error(line),
  env: process.env,
};
const argv = process.argv.slice(2);
run(argv, io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = report(error, argv, io);
  },
);
