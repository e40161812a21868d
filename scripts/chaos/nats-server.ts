/**
 * The soak's own nats-server with JetStream, its store in the soak's folder and on a port of its own. A
 * restart stops it cleanly (SIGTERM, so acknowledged messages are on disk) and starts it again on the same
 * port and store, as an operator's restart would.
 */
import { join } from "node:path";
import type { ChildHandle, ChildProcesses } from "./processes.js";

const READY_LINE = /Server is ready/;
const READY_WAIT_MS = 20_000;
const STOP_GRACE_MS = 10_000;

export class NatsServer {
  #server: ChildHandle | undefined;

  constructor(
    private readonly children: ChildProcesses,
    private readonly folder: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ["-js", "-sd", join(this.folder, "nats"), "-p", String(this.port), "-a", "127.0.0.1"];
    const server = this.children.spawn("nats-server", "nats-server", args, { log: "nats-server.log" });
    this.#server = server;
    await server.waitForLine(READY_LINE, READY_WAIT_MS);
  }

  async stop(): Promise<void> {
    await this.#server?.stop(STOP_GRACE_MS);
    this.#server = undefined;
  }

  /** Down for `downMs`, then up again. */
  async restart(downMs: number): Promise<void> {
    await this.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start();
  }
}
