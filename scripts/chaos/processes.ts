/**
 * The child processes of the soak: each started in its own process group (so a Ctrl-C reaches only the soak,
 * which then stops them in order), its output appended to a log file in the soak's folder and watched line by
 * line, and registered, so that the soak's exit, however it happens, kills whatever still runs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";

export interface ChildHandle {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** Resolves when the process has exited (at once if it already has). */
  readonly exited: Promise<void>;
  alive(): boolean;
  /** The first output line matching; rejects if the process exits first or the wait runs out. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Calls `listener` with every later line of output. */
  onLine(listener: (line: string) => void): void;
  /** SIGCONT (in case it is stopped), SIGTERM, and SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs: number): Promise<void>;
  /** SIGKILL, and the exit awaited. */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  /** The log file's name in the soak's folder; appended to, so a restarted process continues it. */
  readonly log: string;
  /** Opens an IPC channel (for a Node script). */
  readonly ipc?: boolean;
  readonly cwd?: string;
}

export class ChildProcesses {
  readonly #running = new Set<ChildHandle>();

  constructor(private readonly folder: string) {}

  spawn(name: string, command: string, args: readonly string[], options: SpawnOptions): ChildHandle {
    const child = spawn(command, [...args], {
      stdio: ["ignore", "pipe", "pipe", ...(options.ipc === true ? (["ipc"] as const) : [])],
      detached: true,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    const log = createWriteStream(join(this.folder, options.log), { flags: "a" });
    const handle = watchChild(name, child, log);
    this.#running.add(handle);
    void handle.exited.then(() => this.#running.delete(handle));
    return handle;
  }

  /** Synchronous, for the exit hook: SIGKILL to every child still running. */
  killAllNow(): void {
    for (const handle of this.#running) {
      try {
        handle.process.kill("SIGKILL");
      } catch {
        // Already gone: nothing to kill.
      }
    }
  }
}

function watchChild(name: string, child: ChildProcess, log: WriteStream): ChildHandle {
  const listeners: ((line: string) => void)[] = [];
  let exitedAlready = false;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exitedAlready = true;
      resolve();
    });
    // A child that cannot start at all (no such command) reports an error and no exit.
    child.once("error", (error) => {
      log.write(`${name} could not start: ${error.message}\n`);
      exitedAlready = true;
      resolve();
    });
  });
  void exited.then(() => log.end());
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    createInterface({ input: stream }).on("line", (line) => {
      log.write(`${line}\n`);
      for (const listener of listeners) listener(line);
    });
  }
  const alive = () => !exitedAlready;
  const signal = (name: NodeJS.Signals) => {
    try {
      child.kill(name);
    } catch {
      // It exited in between; the exit promise settles the wait.
    }
  };
  return {
    name,
    process: child,
    pid: child.pid ?? -1,
    exited,
    alive,
    onLine: (listener) => listeners.push(listener),
    waitForLine: (pattern, timeoutMs) => waitForLine({ name, listeners, exited, pattern, timeoutMs }),
    async stop(graceMs) {
      if (!alive()) return;
      signal("SIGCONT");
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (alive()) signal("SIGKILL");
      await exited;
    },
  };
}

function waitForLine(options: {
  name: string;
  listeners: ((line: string) => void)[];
  exited: Promise<void>;
  pattern: RegExp;
  timeoutMs: number;
}): Promise<string> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(new Error(`${options.name} printed no ${options.pattern} in ${options.timeoutMs} ms`)),
        ),
      options.timeoutMs,
    );
    options.listeners.push((line) => {
      if (options.pattern.test(line)) finish(() => resolve(line));
    });
    void options.exited.then(() =>
      finish(() => reject(new Error(`${options.name} exited before printing ${options.pattern}`))),
    );
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}

/** Runs a command to its end; rejects with its output when it fails. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    // A daemon it started may hold the pipes open: the exit counts, with a moment for the last output.
    child.once("exit", () => {
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, 500).unref();
    });
    child.once("close", (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(" ")} failed (${signal ?? code}): ${output.trim()}`));
    });
  });
}
