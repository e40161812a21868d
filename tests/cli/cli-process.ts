/**
 * Runs the built `ratchet` command as a child process, the way an operator does, and collects its exit code,
 * stdout and stderr. Never rejects on a non-zero exit: the exit code is what the tests check.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A run longer than this is a hang, not a slow machine. */
const CLI_RUN_MS_MAX = 30_000;

export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: "pipe", env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ratchet ${args.join(" ")} ran over ${CLI_RUN_MS_MAX} ms\n${stdout}\n${stderr}`));
    }, CLI_RUN_MS_MAX);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs and requires exit 0; returns stdout. */
export async function runCliOk(args: readonly string[]): Promise<string> {
  const result = await runCli(args);
  if (result.code !== 0) {
    throw new Error(`ratchet ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}
