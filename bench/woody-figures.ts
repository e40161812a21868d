/**
 * Woody beside local on one storage: the production woody path (three processes) at 1 and 32 callers and the
 * local call (engine and processor in this process) at 1 and 32 callers, the same storage in the same run.
 */
import type { RatchetNode, StorageChoice } from "../src/runtime/create-node.js";
import type { CpuUsed, PostgresTarget } from "./cpu-probe.js";
import { ratio } from "./goals.js";
import { cpuText, latencyText, line } from "./report.js";
import type { ServeStorage } from "./serve-process.js";
import { round } from "./stats.js";
import { runWoodyProduction } from "./woody-production.js";
import { type CallResult, runCalls } from "./workloads.js";

export async function woodyBesideLocal(options: {
  readonly key: "sqlite" | "pg";
  readonly directory: string;
  readonly serveStorage: ServeStorage;
  /** The serve process's database, whose backends the woody runs' CPU counts. */
  readonly postgres?: PostgresTarget;
  /** A fresh node on the same kind of storage for the local calls; closed here. */
  readonly localNode: () => Promise<RatchetNode>;
  /** The local node's database (another one), whose backends the local runs' CPU counts. */
  readonly localPostgres?: PostgresTarget;
  readonly seconds: number;
  readonly hopStorage: StorageChoice;
}): Promise<Record<string, number>> {
  const { local1, local32 } = await localCalls(options);
  const {
    loads: [woody1, woody32],
    hops,
  } = await runWoodyProduction({
    hopStorage: options.hopStorage,
    directory: options.directory,
    storage: options.serveStorage,
    callerCounts: [1, 32],
    seconds: options.seconds,
    name: `woody-${options.key}`,
    ...(options.postgres === undefined ? {} : { postgres: options.postgres }),
  });
  if (woody1 === undefined || woody32 === undefined) throw new Error("the woody runs returned no result");
  const k = options.key === "sqlite" ? "" : "_pg";
  line("woody 1", `${latencyText(woody1)}  (client, ratchet serve, processor: three processes)`);
  line("local 1", `${latencyText(local1)}  (same storage, one process)`);
  line(
    "hops",
    `at 1 caller, p50: GetMachine through serve ${round(hops.getMachineP50Ms, 2)} ms; a call by an engine here with the woody processor ${round(hops.engineWithWoodyProcessorP50Ms, 2)} ms, its processor hop ${round(hops.processorHopP50Ms, 2)} ms`,
  );
  line(
    "woody 32",
    `${latencyText(woody32)}; ${cpuText(woody32.cpu, woody32.calls, "call")} (serve process), processor ${round(woody32.processorCpuUs / woody32.calls)} µs`,
  );
  line("local 32", `${latencyText(local32)}; ${cpuText(local32.cpu, local32.calls, "call")}`);
  const figures: Record<string, number> = {
    [`woody${k}_to_local_call_ratio`]: ratio(woody32.callsPerSecond, local32.callsPerSecond),
    [`woody${k}_added_p50_ms`]: round(woody1.p50Ms - local1.p50Ms, 2),
    [`woody${k}_1_caller_p50_ms`]: round(woody1.p50Ms, 2),
    [`woody${k}_1_caller_p99_ms`]: round(woody1.p99Ms, 2),
    [`woody${k}_32_callers_calls_per_s`]: round(woody32.callsPerSecond),
    [`woody${k}_32_callers_p50_ms`]: round(woody32.p50Ms, 2),
    [`woody${k}_32_callers_p99_ms`]: round(woody32.p99Ms, 2),
    [`local${k}_1_caller_p50_ms`]: round(local1.p50Ms, 2),
    [`woody${k}_get_machine_p50_ms`]: round(hops.getMachineP50Ms, 2),
    [`woody${k}_engine_with_woody_processor_p50_ms`]: round(hops.engineWithWoodyProcessorP50Ms, 2),
    [`woody${k}_processor_hop_p50_ms`]: round(hops.processorHopP50Ms, 2),
    [`local${k}_1_caller_p99_ms`]: round(local1.p99Ms, 2),
    [`cpu_us_per_call_woody${k}_serve`]: perCall(woody32.cpu, woody32.calls).ratchet,
    [`cpu_us_per_call_woody${k}_processor`]: round(woody32.processorCpuUs / woody32.calls),
  };
  if (options.postgres !== undefined) {
    figures[`cpu_us_per_call_woody${k}_backends`] = perCall(woody32.cpu, woody32.calls).postgres;
  }
  line(
    "ratio",
    `woody ÷ local ${figures[`woody${k}_to_local_call_ratio`]} at 32 callers; added p50 at 1 caller ${figures[`woody${k}_added_p50_ms`]} ms`,
  );
  return figures;
}

/** The local calls, right before the woody ones, so a shared machine's drift weighs on both sides alike. */
async function localCalls(options: {
  readonly localNode: () => Promise<RatchetNode>;
  readonly localPostgres?: PostgresTarget;
  readonly seconds: number;
}): Promise<{ local1: CallResult; local32: CallResult }> {
  const node = await options.localNode();
  const run = (callers: number) =>
    runCalls(node.engine, {
      callers,
      seconds: options.seconds,
      prefix: `l${callers}`,
      ...(options.localPostgres === undefined ? {} : { postgres: options.localPostgres }),
    });
  try {
    return { local1: await run(1), local32: await run(32) };
  } finally {
    await node.close();
  }
}

function perCall(cpu: CpuUsed, calls: number): { ratchet: number; postgres: number } {
  return { ratchet: round(cpu.ratchetUs / calls), postgres: round(cpu.postgresUs / calls) };
}
