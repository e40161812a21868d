/**
 * Child processes of the bench: a Node script or the built `ratchet` command, started with the profile flags
 * when `--profile` is on, waited for until a line of its output says it is ready, stopped with SIGTERM (so a
 * `--cpu-prof` profile gets written) and, after 10 s, SIGKILL.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { childProfileArgs } from "./profile.js";

export const RATCHET_CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));

export interface BenchChild {
  readonly pid: number;
  /** The first match of the ready pattern. */
  readonly ready: RegExpMatchArray;
  output(): string;
  stop(): Promise<void>;
}

export async function startChild(options: {
  readonly script: string;
  readonly args: readonly string[];
  /** Node's own flags (--expose-gc). */
  readonly nodeArgs?: readonly string[];
  /** Name of its profile folder under the `--profile` folder. */
  readonly profileName: string;
  readonly readyPattern: RegExp;
  readonly timeoutMs?: number;
}): Promise<BenchChild> {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), ...childProfileArgs(options.profileName), options.script, ...options.args],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const ready = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${options.profileName} did not start within 30 s:\n${output}`)),
      options.timeoutMs ?? 30_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(options.readyPattern);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.profileName} exited ${code} before it was ready:\n${output}`));
    });
  });
  return { pid: child.pid as number, ready, output: () => output, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // 'close', not 'exit': the child's output is read to its end (a last line printed on the way out included).
  const exited = new Promise((resolve) => child.once("close", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
