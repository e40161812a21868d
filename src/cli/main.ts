#!/usr/bin/env node
/** The `ratchet` command. Each subcommand lives in its own module; this file only parses and dispatches. */
import { parseArgs } from "node:util";
import { runDev } from "./dev.js";
import { runServe } from "./serve.js";

const USAGE = `usage: ratchet <command> [options]

commands:
  dev [--db PATH] [--once]   run the engine on the embedded store with a narrated demo
                             (default database ./data/ratchet.db; --once exits after the demo)
  serve --config FILE        serve the Automaton API as an MG-format configuration describes it
  help                       show this text`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "dev": {
      const { values } = parseArgs({
        args: rest,
        options: {
          db: { type: "string", default: "./data/ratchet.db" },
          once: { type: "boolean", default: false },
        },
      });
      const node = await runDev({
        databasePath: values.db as string,
        once: values.once as boolean,
        write: (line) => console.log(line),
      });
      if (values.once) {
        await node.close();
        return 0;
      }
      await untilSignal();
      await node.close({ drainTimeoutMs: 5000 });
      return 0;
    }
    case "serve": {
      const { values } = parseArgs({ args: rest, options: { config: { type: "string" } } });
      if (values.config === undefined) {
        console.error(`serve needs --config FILE\n\n${USAGE}`);
        return 2;
      }
      return runServe({
        configPath: values.config,
        write: (line) => console.log(line),
        warn: (line) => console.error(line),
        stopRequested: untilSignal(),
      });
    }
    case undefined:
    case "help":
    case "--help":
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
