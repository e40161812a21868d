/**
 * The soak's own PostgreSQL cluster, in its folder on a port of its own, so its faults reach nothing else:
 * `initdb` and `pg_ctl` from `pg_config --bindir`, run as the `postgres` user when the soak runs as root
 * (PostgreSQL refuses to run as root; CI does). Faults: a fast restart, and terminating the nodes' backends.
 */
import { execFileSync } from "node:child_process";
import { appendFile, chown } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { runCommand } from "./processes.js";

/** The command line that runs `command` as the postgres user (through runuser when the soak is root). */
export function asPostgres(command: string, args: readonly string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, [...args]];
  return ["runuser", ["-u", "postgres", "--", command, ...args]];
}

/** Makes `folder` the postgres user's when the soak is root, so initdb can create its data directory in it. */
export async function handFolderToPostgres(folder: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  await chown(folder, uid, gid);
}

export class PostgresCluster {
  private constructor(
    readonly port: number,
    private readonly folder: string,
    private readonly bindir: string,
  ) {}

  static async create(folder: string, port: number): Promise<PostgresCluster> {
    const bindir = (await runCommand("pg_config", ["--bindir"])).trim();
    const cluster = new PostgresCluster(port, folder, bindir);
    await cluster.#run("initdb", [
      "-D",
      cluster.#dataDirectory,
      "-U",
      "postgres",
      "--auth=trust",
      "--encoding=UTF8",
      "--no-sync",
    ]);
    const settings = [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${folder}'`,
      "max_connections = 100",
    ];
    await appendFile(join(cluster.#dataDirectory, "postgresql.conf"), `\n${settings.join("\n")}\n`);
    return cluster;
  }

  get #dataDirectory(): string {
    return join(this.folder, "postgres");
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    await this.#pgCtl(["start", "-l", join(this.folder, "postgres.log")]);
  }

  /** `pg_ctl restart -m fast`: every connection is closed, and the server is back when this resolves. */
  async restart(): Promise<void> {
    await this.#pgCtl(["restart", "-m", "fast", "-l", join(this.folder, "postgres.log")]);
  }

  async stop(): Promise<void> {
    await this.#pgCtl(["stop", "-m", "fast"]);
  }

  /** Synchronous, for the exit hook; a cluster that is not running is fine. */
  stopNow(): void {
    const [command, args] = asPostgres(join(this.bindir, "pg_ctl"), [
      "stop",
      "-D",
      this.#dataDirectory,
      "-m",
      "immediate",
    ]);
    try {
      execFileSync(command, args, { cwd: this.folder, stdio: "ignore" });
    } catch {
      // Not running (never started, or stopped already).
    }
  }

  async createDatabase(name: string): Promise<void> {
    await this.#admin((client) => client.query(`CREATE DATABASE ${name}`));
  }

  /** Terminates every client backend connected to `database`; returns how many. */
  async terminateBackends(database: string): Promise<number> {
    const result = await this.#admin((client) =>
      client.query<{ terminated: string }>(
        `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS terminated
           FROM pg_stat_activity
          WHERE datname = $1::text AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        [database],
      ),
    );
    return Number(result.rows[0]?.terminated ?? 0);
  }

  async #admin<T>(body: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.url("postgres"), connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      return await body(client);
    } finally {
      await client.end();
    }
  }

  #pgCtl(args: readonly string[]): Promise<string> {
    const [action, ...rest] = args;
    return this.#run("pg_ctl", [action ?? "status", "-D", this.#dataDirectory, "-w", "-t", "60", ...rest]);
  }

  #run(program: string, args: readonly string[]): Promise<string> {
    const [command, commandArgs] = asPostgres(join(this.bindir, program), args);
    return runCommand(command, commandArgs, { cwd: this.folder });
  }
}
