/**
 * `ratchet serve --config FILE` as a child process, the way an operator runs it, with MG's test processor: the
 * config is written to a temporary folder, the base URL read from the listening line, and the exit code kept.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { e2eConfigYaml } from "../mg/woody-e2e/harness.js";
import type { TestProcessor } from "../mg/woody-e2e/mg-test-processor.js";
import { waitFor } from "../support/wait.js";

const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export interface ServedProcess {
  readonly child: ChildProcess;
  readonly base: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

const started: ChildProcess[] = [];

/** Starts serve with `storage` (the YAML lines under `storage:`) and resolves once it listens. */
export async function serveProcess(options: {
  directory: string;
  processor: TestProcessor;
  storage: string;
  /** YAML appended to the generated configuration. */
  extra?: string;
}): Promise<ServedProcess> {
  const configPath = join(options.directory, `config-${started.length}.yaml`);
  const config = e2eConfigYaml({
    processorUrl: options.processor.url,
    modernizerUrl: options.processor.modernizerUrl,
    storage: options.storage,
  });
  writeFileSync(configPath, `${config}${options.extra ?? ""}`);
  const child = spawn(process.execPath, [CLI, "serve", "--config", configPath], { stdio: "pipe" });
  started.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const base = await waitFor(
    `the listening line (stderr: ${stderr})`,
    () => /listening on (http:\/\/\S+)/.exec(stdout)?.[1],
    { timeoutMs: 15_000, intervalMs: 20 },
  );
  return { child, base, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Kills every serve process a test left running (after a failed assertion). */
export function killServeProcesses(): void {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

export async function getJson(url: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

export async function postJson(
  url: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}
