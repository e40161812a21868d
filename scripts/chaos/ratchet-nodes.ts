/**
 * The three `ratchet serve` nodes of the soak, each a child process with a generated MG-format configuration:
 * the soak's PostgreSQL, its processor (a URL per node), a NATS event sink, the soak's short lease. A node can
 * be killed and started again on the same port, stopped (SIGSTOP) and continued, and its RSS sampled.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CHAIN_NAMESPACE } from "./chain.js";
import type { ChildHandle, ChildProcesses } from "./processes.js";
import { freePort } from "./processes.js";

const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const READY_LINE = /^listening on http:/;
const READY_WAIT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
export const NATS_STREAM = "chaos";

export type NodeState = "up" | "stopped" | "killed";

export interface NodeSetup {
  readonly postgresUrl: string;
  readonly natsUrl: string;
  readonly processorUrlFor: (node: string) => string;
  readonly leaseDurationMs: number;
}

export function nodeConfigYaml(setup: NodeSetup & { name: string; port: number }): string {
  return `# ${setup.name} of the fault soak (scripts/chaos)
lease_duration: ${setup.leaseDurationMs}ms
woody_server:
  ip: 127.0.0.1
  port: ${setup.port}
  shutdown_timeout: 2s
storage:
  type: postgres
  url: ${setup.postgresUrl}
  pool_size: 4
namespaces:
  ${CHAIN_NAMESPACE}:
    processor:
      url: ${setup.processorUrlFor(setup.name)}
    retries:
      # Transient failures are retried without end, quickly: the soak's faults are many and short.
      timers:
        type: exponential
        max_retries: infinity
        factor: 2
        timeout: 100ms
        max_timeout: 2s
    event_sinks:
      nats:
        type: nats
        url: ${setup.natsUrl}
        stream: ${NATS_STREAM}
        subject_prefix: ${NATS_STREAM}
`;
}

export class RatchetNode {
  state: NodeState = "killed";
  /** Times this node was started, the first included. */
  starts = 0;
  /** Lines the node wrote that begin with `error:`. */
  errorLines = 0;
  rssPeakKib = 0;
  #child: ChildHandle | undefined;

  constructor(
    private readonly children: ChildProcesses,
    readonly name: string,
    readonly port: number,
    private readonly configPath: string,
  ) {}

  get automatonUrl(): string {
    return `http://127.0.0.1:${this.port}/v1/automaton`;
  }

  get pid(): number | undefined {
    return this.#child?.alive() ? this.#child.pid : undefined;
  }

  async start(): Promise<void> {
    const child = this.children.spawn(
      this.name,
      process.execPath,
      [CLI, "serve", "--config", this.configPath],
      { log: `${this.name}.log` },
    );
    child.onLine((line) => {
      if (isErrorLine(line)) this.errorLines += 1;
    });
    this.#child = child;
    this.starts += 1;
    await child.waitForLine(READY_LINE, READY_WAIT_MS);
    this.state = "up";
  }

  async kill(): Promise<void> {
    this.state = "killed";
    await this.#child?.kill();
  }

  stop(): void {
    this.state = "stopped";
    this.#child?.process.kill("SIGSTOP");
  }

  continue(): void {
    this.#child?.process.kill("SIGCONT");
    if (this.#child?.alive()) this.state = "up";
  }

  /** A graceful stop (SIGTERM), for the end of the soak. */
  async shutDown(): Promise<void> {
    this.state = "killed";
    await this.#child?.stop(STOP_GRACE_MS);
  }

  /** Reads VmRSS from /proc and keeps the peak; a node that is not running is skipped. */
  async sampleRss(): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
    this.rssPeakKib = Math.max(this.rssPeakKib, kib);
  }
}

export async function createNodes(
  children: ChildProcesses,
  folder: string,
  setup: NodeSetup,
  count: number,
): Promise<RatchetNode[]> {
  const nodes: RatchetNode[] = [];
  for (let index = 1; index <= count; index += 1) {
    const name = `node-${index}`;
    const port = await freePort();
    const configPath = join(folder, `${name}.yaml`);
    await writeFile(configPath, nodeConfigYaml({ ...setup, name, port }));
    nodes.push(new RatchetNode(children, name, port, configPath));
  }
  return nodes;
}

/** The log's levels that report an error (the node's pino logger writes its level as a label). */
const ERROR_LEVELS = new Set(["error", "fatal"]);

/** Whether a line of a node's output reports an error: a JSON log line at error level or above, or a plain `error:` one. */
function isErrorLine(line: string): boolean {
  if (line.startsWith("error:")) return true;
  if (!line.startsWith("{")) return false;
  try {
    const level = (JSON.parse(line) as { level?: unknown }).level;
    return typeof level === "string" ? ERROR_LEVELS.has(level) : typeof level === "number" && level >= 50;
  } catch {
    return false;
  }
}
