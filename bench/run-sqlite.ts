/** The SQLite part of `npm run bench`: chain, ceiling, calls, journal cost, timers, woody beside local. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNode } from "../src/runtime/create-node.js";
import { sqliteCeiling } from "./ceiling-sqlite.js";
import { ratio } from "./goals.js";
import { runJournalCost } from "./journal-cost.js";
import type { BenchOptions } from "./options.js";
import { profiled } from "./profile.js";
import { cpuText, latencyText, line, section } from "./report.js";
import { round } from "./stats.js";
import { runTimers, type TimerLoad, type TimerResult } from "./timers.js";
import { woodyBesideLocal } from "./woody-figures.js";
import { benchNamespace, runCalls, runChain } from "./workloads.js";

export async function runSqliteSection(options: BenchOptions): Promise<Record<string, number>> {
  const directory = mkdtempSync(join(tmpdir(), "ratchet-bench-"));
  const sqliteNode = (file: string) =>
    createNode({
      storage: { kind: "sqlite", path: join(directory, file) },
      namespaces: () => [benchNamespace()],
    });
  try {
    section("SQLite (WAL, synchronous=FULL, local processor)");
    const chainNode = await sqliteNode("chain.db");
    const chain = await profiled("sqlite-chain", () =>
      runChain(chainNode.engine, { machines: options.machines, seconds: options.seconds, prefix: "s" }),
    ).finally(() => chainNode.close({ drainTimeoutMs: 10_000 }));
    line(
      "chain",
      `${round(chain.stepsPerSecond)} steps/s (${round(chain.stepsPerCommit, 1)} steps per commit); ${cpuText(chain.cpu, chain.steps)}`,
    );
    const ceiling = sqliteCeiling({ seconds: options.seconds, machines: options.machines }).stepsPerSecond;
    line("ceiling", `${round(ceiling)} steps/s (raw UPDATE + INSERT, one transaction per step)`);
    line("ratio", `${ratio(chain.stepsPerSecond, ceiling)} × ceiling`);
    const callNode = await sqliteNode("calls.db");
    const calls = await profiled("sqlite-call", () =>
      runCalls(callNode.engine, { callers: options.callers, seconds: options.seconds, prefix: "s" }),
    ).finally(() => callNode.close());
    line(
      "call",
      `${latencyText(calls)} (${options.callers} callers); ${cpuText(calls.cpu, calls.calls, "call")}`,
    );
    const journal = await runJournalCost({ directory, machines: options.machines, seconds: options.seconds });
    line(
      "journal",
      `chain ${round(journal.journalOn.stepsPerSecond)} steps/s with the step journal, ${round(journal.journalOff.stepsPerSecond)} without: ${round(journal.ratio, 2)} × (required ≥ 0.8; rounds off, on, on, off)`,
    );
    const timers = await sqliteTimers(options, directory);
    const woody = await woodyBesideLocal({
      key: "sqlite",
      directory,
      serveStorage: { type: "sqlite", path: join(directory, "woody.db") },
      localNode: () => sqliteNode("local.db"),
      seconds: options.seconds,
      hopStorage: { kind: "sqlite", path: join(directory, "hops.db") },
    });
    return {
      chain_sqlite_steps_per_s: round(chain.stepsPerSecond),
      ceiling_sqlite_steps_per_s: round(ceiling),
      chain_sqlite_ratio_to_ceiling: ratio(chain.stepsPerSecond, ceiling),
      cpu_us_per_step_sqlite: round(chain.cpu.ratchetUs / chain.steps),
      call_sqlite_calls_per_s: round(calls.callsPerSecond),
      call_sqlite_p50_ms: round(calls.p50Ms, 2),
      call_sqlite_p99_ms: round(calls.p99Ms, 2),
      call_sqlite_to_chain_ratio: ratio(calls.callsPerSecond, chain.stepsPerSecond),
      cpu_us_per_call_sqlite: round(calls.cpu.ratchetUs / calls.calls),
      chain_sqlite_journal_on_steps_per_s: round(journal.journalOn.stepsPerSecond),
      chain_sqlite_journal_off_steps_per_s: round(journal.journalOff.stepsPerSecond),
      chain_sqlite_journal_ratio: round(journal.ratio, 2),
      ...timers,
      ...woody,
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** ~200 and ~2,000 timers/s, 20 and 200 machines re-arming 50–150 ms timers. */
export function timerLoads(options: BenchOptions): TimerLoad[] {
  return [
    { machines: 20, rounds: options.quick ? 10 : 40 },
    { machines: 200, rounds: options.quick ? 5 : 20 },
  ];
}

async function sqliteTimers(options: BenchOptions, directory: string): Promise<Record<string, number>> {
  const [light, heavy] = await runTimers({
    storage: { kind: "sqlite", path: join(directory, "timers.db") },
    loads: timerLoads(options),
    idle: options.idleMachines,
  });
  if (light === undefined || heavy === undefined) throw new Error("the timer loads returned no result");
  printTimers(light, heavy);
  return {
    timer_sqlite_200_per_s_lateness_p99_ms: round(light.p99Ms, 1),
    timer_sqlite_lateness_p50_ms: round(heavy.p50Ms, 1),
    timer_sqlite_lateness_p99_ms: round(heavy.p99Ms, 1),
  };
}

export function printTimers(light: TimerResult, heavy: TimerResult): void {
  for (const [load, result] of [
    ["~200 timers/s", light],
    ["~2,000 timers/s", heavy],
  ] as const) {
    line(
      "timers",
      `${load} beside ${result.idleMachines.toLocaleString("en")} idle machines (made in ${round(result.idleFillSeconds, 1)} s): ${result.timers} fired late by p50 ${round(result.p50Ms, 1)} ms, p99 ${round(result.p99Ms, 1)} ms, max ${round(result.maxMs, 1)} ms`,
    );
  }
}
