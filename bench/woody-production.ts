/**
 * The woody path as production runs it: the callers (this process), `ratchet serve` and the woody processor in
 * three processes. One caller gives the latency of one call (p50/p99), 32 callers the throughput; Ratchet's CPU
 * is read from /proc for the serve process, PostgreSQL's from its backends. Set beside the local call on the
 * same storage in the same run (runCalls), the difference is what the two HTTP hops and Thrift cost.
 */
import { fileURLToPath } from "node:url";
import type { StorageChoice } from "../src/runtime/create-node.js";
import { startChild } from "./child-process.js";
import type { CpuUsed, PostgresTarget } from "./cpu-probe.js";
import { startCpuProbe } from "./cpu-probe.js";
import { type ServeStorage, startServe } from "./serve-process.js";
import type { WoodyCallResult } from "./woody-call.js";
import { automatonClient, driveCalls } from "./woody-call.js";
import { type HopLatencies, measureHops } from "./woody-hops.js";

const PROCESSOR_SCRIPT = fileURLToPath(new URL("./processes/woody-processor.js", import.meta.url));

export interface WoodyLoadResult extends WoodyCallResult {
  readonly callers: number;
  /** Ratchet's (the serve process's) and PostgreSQL's CPU in the window; the processor's is not Ratchet's. */
  readonly cpu: CpuUsed;
  /** CPU µs of the processor's process in the window (not Ratchet's; shown so the whole path adds up). */
  readonly processorCpuUs: number;
}

export async function runWoodyProduction(options: {
  readonly directory: string;
  readonly storage: ServeStorage;
  readonly postgres?: PostgresTarget;
  readonly callerCounts: readonly number[];
  readonly seconds: number;
  readonly name: string;
  /** Storage of the engine that times the processor hop alone (woody-hops.ts). */
  readonly hopStorage: StorageChoice;
}): Promise<{ loads: WoodyLoadResult[]; hops: HopLatencies }> {
  const poolSize = Math.max(...options.callerCounts);
  const processor = await startChild({
    script: PROCESSOR_SCRIPT,
    args: [],
    profileName: `${options.name}-processor`,
    readyPattern: /listening (\d+)/,
  });
  try {
    const processorUrl = `http://127.0.0.1:${processor.ready[1]}/v1/stateproc/bench`;
    const serve = await startServe({
      directory: options.directory,
      storage: options.storage,
      processorUrl,
      poolSize,
      profileName: `${options.name}-serve`,
    });
    const client = automatonClient(serve.automatonUrl, poolSize, () => Date.now() * 1000);
    try {
      const loads: WoodyLoadResult[] = [];
      for (const callers of options.callerCounts) {
        const probe = await startCpuProbe({
          pids: [serve.pid],
          ...(options.postgres === undefined ? {} : { postgres: options.postgres }),
        });
        const processorProbe = await startCpuProbe({ pids: [processor.pid] });
        const result = await driveCalls(client, { callers, seconds: options.seconds, prefix: `w${callers}` });
        const cpu = await probe.stop();
        loads.push({ ...result, callers, cpu, processorCpuUs: (await processorProbe.stop()).ratchetUs });
      }
      const hops = await measureHops({
        client,
        machineId: "w1-0",
        processorUrl,
        storage: options.hopStorage,
        seconds: Math.min(options.seconds, 3),
      });
      return { loads, hops };
    } finally {
      client.close();
      await serve.stop();
    }
  } finally {
    await processor.stop();
  }
}
