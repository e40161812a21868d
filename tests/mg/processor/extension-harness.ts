/**
 * Helpers of the extension tests: reading a machine's history and journal through the engine, and a child node
 * (extension-node.ts) that starts one machine and is killed with SIGKILL as soon as the start has committed.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Engine } from "../../../src/engine/engine.js";
import { decodeValue } from "../../../src/mg/msgpack/msgpack-value.js";
import { waitFor } from "../../support/wait.js";

const NODE_SCRIPT = fileURLToPath(new URL("./extension-node.js", import.meta.url));

/** The machine's events as the text the scripts wrote. */
export async function historyOf(engine: Engine, namespace: string, id: string): Promise<string[]> {
  const { history } = await engine.get(namespace, id);
  return history.map((event) => decodeValue(event.data).str as string);
}

/** Waits until the machine's journal has `count` entries, the last of them committed. */
export async function journalSettled(engine: Engine, namespace: string, id: string, count: number) {
  return waitFor(`${count} journal entries of ${id}`, async () => {
    const entries = await engine.steps(namespace, id);
    return entries.length === count && entries.at(-1)?.outcome === "committed" && entries;
  });
}

/** Runs a node that starts machine `id` on the SQLite file, and kills it with SIGKILL once the start committed. */
export async function startThenKill(options: {
  path: string;
  defaultUrl: string;
  captureUrl: string;
  id: string;
}): Promise<NodeJS.Signals | null> {
  const child = spawn(
    process.execPath,
    [
      NODE_SCRIPT,
      ...["--db", options.path, "--default-url", options.defaultUrl, "--capture-url", options.captureUrl],
      ...["--id", options.id],
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    await waitFor("the child node to start the machine", () => output.includes(`started ${options.id}`), {
      timeoutMs: 15_000,
    });
  } finally {
    child.kill("SIGKILL");
    await exited;
  }
  return child.signalCode;
}
