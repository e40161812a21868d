/**
 * `npm run bench [-- --quick]`: Ratchet's workloads on each storage, next to the physical ceiling of that storage
 * measured in the same run. The last line of output is one JSON object with the headline figures.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createNode } from "../src/runtime/create-node.js";
import {
  createDisposableDatabase,
  createMigratedTemplate,
} from "../src/storage/postgres/disposable-database.js";
import { postgresCeiling } from "./ceiling-postgres.js";
import { sqliteCeiling } from "./ceiling-sqlite.js";
import type { JournalCostResult } from "./journal-cost.js";
import { runJournalCost } from "./journal-cost.js";
import { runJsonCalls } from "./json-call.js";
import type { RelayResult } from "./relay.js";
import { runRelay } from "./relay.js";
import type { TimerResult } from "./timers.js";
import { runTimers } from "./timers.js";
import type { WoodyCallResult } from "./woody-call.js";
import { runWoodyCalls } from "./woody-call.js";
import type { CallResult, ChainResult } from "./workloads.js";
import { benchNamespace, runCalls, runChain } from "./workloads.js";

const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const quick = values.quick as boolean;
const SECONDS = quick ? 3 : 10;
const MACHINES = 64;
const CALLERS = 32;

const round = (value: number, digits = 0) => Number(value.toFixed(digits));

async function sqliteRun(): Promise<{
  chain: ChainResult;
  calls: CallResult;
  ceiling: number;
  journalCost: JournalCostResult;
}> {
  const directory = mkdtempSync(join(tmpdir(), "ratchet-bench-"));
  try {
    const node = await createNode({
      storage: { kind: "sqlite", path: join(directory, "bench.db") },
      namespaces: () => [benchNamespace()],
    });
    try {
      const chain = await runChain(node.engine, { machines: MACHINES, seconds: SECONDS, prefix: "s" });
      await node.close({ drainTimeoutMs: 10_000 });
      const callNode = await createNode({
        storage: { kind: "sqlite", path: join(directory, "calls.db") },
        namespaces: () => [benchNamespace()],
      });
      const calls = await runCalls(callNode.engine, { callers: CALLERS, seconds: SECONDS, prefix: "s" });
      await callNode.close();
      const ceiling = sqliteCeiling({ seconds: SECONDS, machines: MACHINES }).stepsPerSecond;
      const journalCost = await runJournalCost({ directory, machines: MACHINES, seconds: SECONDS });
      return { chain, calls, ceiling, journalCost };
    } catch (error) {
      await node.close().catch(() => {});
      throw error;
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

const ADMIN_URL = process.env.RATCHET_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Each workload on its own fresh database, dropped afterwards. */
async function postgresRun(): Promise<{
  chain: ChainResult;
  calls: CallResult;
  ceiling: number;
  relay: RelayResult;
  timers: TimerResult;
  timersLight: TimerResult;
}> {
  const template = await createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_bench_tpl",
    schema: "ratchet",
    nowUs: Date.now() * 1000,
  });
  const databases: { drop(): Promise<void> }[] = [];
  try {
    const fresh = async () => {
      const database = await createDisposableDatabase(ADMIN_URL, {
        prefix: "ratchet_bench",
        template: template.name,
      });
      databases.push(database);
      return database.connectionString;
    };
    const chainNode = await createNode({
      storage: { kind: "postgres", url: await fresh(), migrate: false },
      namespaces: () => [benchNamespace()],
    });
    const chain = await runChain(chainNode.engine, {
      machines: MACHINES,
      seconds: SECONDS,
      prefix: "p",
    }).finally(() => chainNode.close({ drainTimeoutMs: 10_000 }));
    const callNode = await createNode({
      storage: { kind: "postgres", url: await fresh(), migrate: false },
      namespaces: () => [benchNamespace()],
    });
    const calls = await runCalls(callNode.engine, {
      callers: CALLERS,
      seconds: SECONDS,
      prefix: "p",
    }).finally(() => callNode.close());
    const ceiling = (await postgresCeiling({ url: await fresh(), seconds: SECONDS, concurrency: MACHINES }))
      .stepsPerSecond;
    const relay = await runRelay({
      storage: { kind: "postgres", url: await fresh(), migrate: false },
      machines: MACHINES,
      seconds: SECONDS,
    });
    const timersLight = await runTimers({
      storage: { kind: "postgres", url: await fresh(), migrate: false },
      machines: 20,
      rounds: quick ? 10 : 40,
    });
    const timers = await runTimers({
      storage: { kind: "postgres", url: await fresh(), migrate: false },
      machines: 200,
      rounds: quick ? 5 : 20,
    });
    return { chain, calls, ceiling, relay, timers, timersLight };
  } finally {
    for (const database of databases) await database.drop();
    await template.drop();
  }
}

async function main(): Promise<void> {
  console.log(
    `Ratchet benchmark (${quick ? "quick" : "full"}): ${SECONDS} s per workload, ${MACHINES} chaining machines, ${CALLERS} callers`,
  );
  const sqlite = await sqliteRun();
  console.log("\nSQLite (WAL, synchronous=FULL, local processor)");
  console.log(
    `  chain    ${round(sqlite.chain.stepsPerSecond)} steps/s (${round(sqlite.chain.stepsPerCommit, 1)} steps per commit)`,
  );
  console.log(`  ceiling  ${round(sqlite.ceiling)} steps/s (raw UPDATE + INSERT, one transaction per step)`);
  console.log(`  ratio    ${round(sqlite.chain.stepsPerSecond / sqlite.ceiling, 2)} × ceiling`);
  console.log(
    `  call     ${round(sqlite.calls.callsPerSecond)} calls/s, p50 ${round(sqlite.calls.p50Ms, 2)} ms, p99 ${round(sqlite.calls.p99Ms, 2)} ms`,
  );
  const { journalOn, journalOff, ratio } = sqlite.journalCost;
  console.log(
    `  journal  chain ${round(journalOn.stepsPerSecond)} steps/s with the step journal, ${round(journalOff.stepsPerSecond)} steps/s without: ${round(ratio, 2)} × (required ≥ 0.8; rounds off, on, on, off)`,
  );
  const postgres = await postgresRun();
  console.log("\nPostgreSQL (synchronous_commit on, local processor)");
  console.log(
    `  chain    ${round(postgres.chain.stepsPerSecond)} steps/s (${round(postgres.chain.stepsPerCommit, 1)} steps per commit)`,
  );
  console.log(
    `  ceiling  ${round(postgres.ceiling)} steps/s (raw UPDATE + INSERT, one transaction per step, ${MACHINES} connections)`,
  );
  console.log(`  ratio    ${round(postgres.chain.stepsPerSecond / postgres.ceiling, 2)} × ceiling`);
  console.log(
    `  call     ${round(postgres.calls.callsPerSecond)} calls/s, p50 ${round(postgres.calls.p50Ms, 2)} ms, p99 ${round(postgres.calls.p99Ms, 2)} ms`,
  );
  console.log(
    `  chain + outbox to NATS  ${round(postgres.relay.chain.stepsPerSecond)} steps/s (${round((postgres.relay.chain.stepsPerSecond / postgres.chain.stepsPerSecond) * 100)}% of the chain without a sink)`,
  );
  console.log(
    `  relay    ${round(postgres.relay.publishedPerSecond)} events/s to NATS JetStream; commit → consumer lag p50 ${round(postgres.relay.lagP50Ms, 1)} ms, p99 ${round(postgres.relay.lagP99Ms, 1)} ms (${postgres.relay.consumed} events consumed)`,
  );
  const { timers, timersLight } = postgres;
  for (const [load, result] of [
    ["~200 timers/s", timersLight],
    ["~2,000 timers/s", timers],
  ] as const) {
    console.log(
      `  timers   ${load}: ${result.timers} fired late by p50 ${round(result.p50Ms, 1)} ms, p99 ${round(result.p99Ms, 1)} ms, max ${round(result.maxMs, 1)} ms`,
    );
  }
  const woody: WoodyCallResult = await runWoodyCalls({ callers: CALLERS, seconds: SECONDS });
  console.log("\nOver HTTP (SQLite): woody (Automaton, processor over woody), local, and the JSON API");
  console.log(
    `  call     ${round(woody.callsPerSecond)} calls/s, p50 ${round(woody.p50Ms, 2)} ms, p99 ${round(woody.p99Ms, 2)} ms`,
  );
  const httpJson = await runWoodyCalls({ callers: CALLERS, seconds: SECONDS, processor: "http-json" });
  console.log(
    `  http-json ${round(httpJson.callsPerSecond)} calls/s, p50 ${round(httpJson.p50Ms, 2)} ms, p99 ${round(httpJson.p99Ms, 2)} ms (the same, the processor written with the SDK and reached over HTTP-JSON)`,
  );
  console.log(
    `  local    ${round(sqlite.calls.callsPerSecond)} calls/s, p50 ${round(sqlite.calls.p50Ms, 2)} ms, p99 ${round(sqlite.calls.p99Ms, 2)} ms (same storage, local processor: the two HTTP hops cost the difference)`,
  );
  const json: WoodyCallResult = await runJsonCalls({ callers: CALLERS, seconds: SECONDS });
  console.log(
    `  json     ${round(json.callsPerSecond)} calls/s, p50 ${round(json.p50Ms, 2)} ms, p99 ${round(json.p99Ms, 2)} ms (JSON API over HTTP, local processor, SQLite: one HTTP hop)`,
  );
  console.log(JSON.stringify(summaryOf(sqlite, postgres, woody, httpJson, json)));
}

/** The final JSON line: every headline figure, for scripts that compare runs. */
function summaryOf(
  sqlite: Awaited<ReturnType<typeof sqliteRun>>,
  postgres: Awaited<ReturnType<typeof postgresRun>>,
  woody: WoodyCallResult,
  httpJson: WoodyCallResult,
  json: WoodyCallResult,
): Record<string, number> {
  const { timers, timersLight } = postgres;
  return {
    chain_pg_steps_per_s: round(postgres.chain.stepsPerSecond),
    ceiling_pg_steps_per_s: round(postgres.ceiling),
    chain_pg_ratio_to_ceiling: round(postgres.chain.stepsPerSecond / postgres.ceiling, 2),
    call_pg_calls_per_s: round(postgres.calls.callsPerSecond),
    call_pg_p50_ms: round(postgres.calls.p50Ms, 2),
    call_pg_p99_ms: round(postgres.calls.p99Ms, 2),
    chain_pg_with_outbox_steps_per_s: round(postgres.relay.chain.stepsPerSecond),
    relay_nats_events_per_s: round(postgres.relay.publishedPerSecond),
    relay_lag_p50_ms: round(postgres.relay.lagP50Ms, 1),
    relay_lag_p99_ms: round(postgres.relay.lagP99Ms, 1),
    timer_pg_200_per_s_lateness_p99_ms: round(timersLight.p99Ms, 1),
    timer_pg_lateness_p50_ms: round(timers.p50Ms, 1),
    timer_pg_lateness_p99_ms: round(timers.p99Ms, 1),
    woody_call_calls_per_s: round(woody.callsPerSecond),
    woody_call_p50_ms: round(woody.p50Ms, 2),
    woody_call_p99_ms: round(woody.p99Ms, 2),
    json_call_calls_per_s: round(json.callsPerSecond),
    json_call_p50_ms: round(json.p50Ms, 2),
    json_call_p99_ms: round(json.p99Ms, 2),
    http_json_processor_call_calls_per_s: round(httpJson.callsPerSecond),
    http_json_processor_call_p50_ms: round(httpJson.p50Ms, 2),
    http_json_processor_call_p99_ms: round(httpJson.p99Ms, 2),
    chain_sqlite_steps_per_s: round(sqlite.chain.stepsPerSecond),
    ceiling_sqlite_steps_per_s: round(sqlite.ceiling),
    call_sqlite_calls_per_s: round(sqlite.calls.callsPerSecond),
    call_sqlite_p50_ms: round(sqlite.calls.p50Ms, 2),
    call_sqlite_p99_ms: round(sqlite.calls.p99Ms, 2),
    chain_sqlite_journal_on_steps_per_s: round(sqlite.journalCost.journalOn.stepsPerSecond),
    chain_sqlite_journal_off_steps_per_s: round(sqlite.journalCost.journalOff.stepsPerSecond),
    chain_sqlite_journal_ratio: round(sqlite.journalCost.ratio, 2),
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
