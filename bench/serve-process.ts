/**
 * `ratchet serve` in a process of its own, as production runs it: a configuration file written for the run
 * (namespace "bench" calling a woody processor at `processorUrl`, storage SQLite or PostgreSQL), the built CLI
 * started on it, its Automaton URL read from the "listening on" line.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { type BenchChild, RATCHET_CLI, startChild } from "./child-process.js";

export type ServeStorage =
  | { readonly type: "sqlite"; readonly path: string }
  | { readonly type: "postgres"; readonly url: string };

export interface ServeProcess extends BenchChild {
  readonly automatonUrl: string;
}

export async function startServe(options: {
  readonly directory: string;
  readonly storage: ServeStorage;
  readonly processorUrl: string;
  readonly poolSize: number;
  readonly profileName: string;
}): Promise<ServeProcess> {
  const configPath = join(options.directory, `${options.profileName}.yaml`);
  const config = {
    woody_server: { ip: "127.0.0.1", port: 0 },
    storage: options.storage,
    namespaces: {
      bench: { processor: { url: options.processorUrl, pool_size: options.poolSize } },
    },
  };
  writeFileSync(configPath, stringify(config));
  const child = await startChild({
    script: RATCHET_CLI,
    args: ["serve", "--config", configPath],
    profileName: options.profileName,
    readyPattern: /listening on http:\/\/([^ ]+):(\d+) /,
  });
  return { ...child, automatonUrl: `http://127.0.0.1:${child.ready[2]}/v1/automaton` };
}
