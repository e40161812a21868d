/**
 * CPU spent during a measured window: by Ratchet (this process via process.cpuUsage(), or child processes via
 * /proc) and by the PostgreSQL backends serving the workload's database (found in pg_stat_activity at the start
 * and at the end of the window; a backend seen only at the end counts whole, one gone by the end is lost).
 *
 * Call it as: `const probe = await startCpuProbe({ postgres }); …; const cpu = await probe.stop();`
 */
import pg from "pg";
import { processCpuUs } from "./proc-stat.js";

export interface CpuUsed {
  readonly ratchetUs: number;
  /** NaN when the workload had no PostgreSQL database. */
  readonly postgresUs: number;
  readonly postgresBackends: number;
}

export interface PostgresTarget {
  /** A connection to any database of the server, to read pg_stat_activity. */
  readonly adminUrl: string;
  readonly database: string;
}

export interface CpuProbe {
  stop(): Promise<CpuUsed>;
}

/** Starts counting; `pids` are Ratchet's child processes (none: this process). */
export async function startCpuProbe(options: {
  readonly pids?: readonly number[];
  readonly postgres?: PostgresTarget;
}): Promise<CpuProbe> {
  const ratchetBefore = ratchetCpuUs(options.pids);
  const backendsBefore = options.postgres === undefined ? new Map() : await backendCpuUs(options.postgres);
  return {
    async stop() {
      const ratchetUs = ratchetCpuUs(options.pids) - ratchetBefore;
      if (options.postgres === undefined) return { ratchetUs, postgresUs: Number.NaN, postgresBackends: 0 };
      const backendsAfter = await backendCpuUs(options.postgres);
      let postgresUs = 0;
      for (const [pid, after] of backendsAfter) postgresUs += after - (backendsBefore.get(pid) ?? 0);
      return { ratchetUs, postgresUs, postgresBackends: backendsAfter.size };
    },
  };
}

function ratchetCpuUs(pids: readonly number[] | undefined): number {
  if (pids === undefined) {
    const usage = process.cpuUsage();
    return usage.user + usage.system;
  }
  return pids.reduce((sum, pid) => sum + (processCpuUs(pid) ?? 0), 0);
}

/** CPU µs so far of each backend connected to the database, by pid (the probe's own connection excluded). */
async function backendCpuUs(target: PostgresTarget): Promise<Map<number, number>> {
  const client = new pg.Client({
    connectionString: target.adminUrl,
    application_name: "ratchet-bench-probe",
  });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [target.database],
    );
    const used = new Map<number, number>();
    for (const { pid } of rows) {
      const us = processCpuUs(pid);
      if (us !== undefined) used.set(pid, us);
    }
    return used;
  } finally {
    await client.end();
  }
}
