/**
 * The PostgreSQL part of `npm run bench`: chain, both ceilings, calls, chain with the outbox, timers, woody
 * beside local. Each workload on a fresh database, so the CPU probe's backends are that workload's alone.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNode } from "../src/runtime/create-node.js";
import { postgresCeiling } from "./ceiling-postgres.js";
import { ratio } from "./goals.js";
import type { BenchOptions } from "./options.js";
import { type BenchDatabase, benchDatabases } from "./postgres-databases.js";
import { profiled } from "./profile.js";
import { runRelay } from "./relay.js";
import { cpuText, latencyText, line, section } from "./report.js";
import { printTimers, timerLoads } from "./run-sqlite.js";
import { round } from "./stats.js";
import { runTimers } from "./timers.js";
import { woodyBesideLocal } from "./woody-figures.js";
import { benchNamespace, type CallResult, type ChainResult, runCalls, runChain } from "./workloads.js";

const pgNode = (database: BenchDatabase) =>
  createNode({
    storage: { kind: "postgres", url: database.url, migrate: false },
    namespaces: () => [benchNamespace()],
  });

export async function runPostgresSection(options: BenchOptions): Promise<Record<string, number>> {
  const databases = await benchDatabases();
  const directory = mkdtempSync(join(tmpdir(), "ratchet-bench-pg-"));
  try {
    section("PostgreSQL (synchronous_commit on, local processor)");
    const chain = await pgChain(options, await databases.fresh());
    const ceilings = await pgCeilings(options, databases.fresh);
    line(
      "ratio",
      `${ratio(chain.stepsPerSecond, ceilings.transaction)} × one-transaction ceiling, ${ratio(chain.stepsPerSecond, ceilings.roundTrip)} × one-round-trip ceiling`,
    );
    const calls = await pgCalls(options, await databases.fresh());
    const outbox = await pgOutbox(options, await databases.fresh(), chain);
    const timers = await pgTimers(options, databases.fresh);
    const woodyDb = await databases.fresh();
    const localDb = await databases.fresh();
    const woody = await woodyBesideLocal({
      key: "pg",
      directory,
      serveStorage: { type: "postgres", url: woodyDb.url },
      postgres: woodyDb.target,
      localNode: () => pgNode(localDb),
      localPostgres: localDb.target,
      seconds: options.seconds,
      hopStorage: { kind: "postgres", url: (await databases.fresh()).url, migrate: false },
    });
    return {
      chain_pg_steps_per_s: round(chain.stepsPerSecond),
      ceiling_pg_steps_per_s: round(ceilings.transaction),
      ceiling_pg_one_round_trip_steps_per_s: round(ceilings.roundTrip),
      chain_pg_ratio_to_ceiling: ratio(chain.stepsPerSecond, ceilings.transaction),
      chain_pg_to_one_round_trip_ratio: ratio(chain.stepsPerSecond, ceilings.roundTrip),
      chain_pg_steps_per_commit: round(chain.stepsPerCommit, 1),
      cpu_us_per_step_pg: round(chain.cpu.ratchetUs / chain.steps),
      cpu_us_per_step_pg_backends: round(chain.cpu.postgresUs / chain.steps),
      call_pg_calls_per_s: round(calls.callsPerSecond),
      call_pg_p50_ms: round(calls.p50Ms, 2),
      call_pg_p99_ms: round(calls.p99Ms, 2),
      call_pg_to_chain_ratio: ratio(calls.callsPerSecond, chain.stepsPerSecond),
      cpu_us_per_call_pg: round(calls.cpu.ratchetUs / calls.calls),
      cpu_us_per_call_pg_backends: round(calls.cpu.postgresUs / calls.calls),
      ...outbox,
      ...timers,
      ...woody,
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
    await databases.dropAll();
  }
}

async function pgChain(options: BenchOptions, database: BenchDatabase): Promise<ChainResult> {
  const node = await pgNode(database);
  const chain = await profiled("pg-chain", () =>
    runChain(node.engine, {
      machines: options.machines,
      seconds: options.seconds,
      prefix: "p",
      postgres: database.target,
    }),
  ).finally(() => node.close({ drainTimeoutMs: 10_000 }));
  line(
    "chain",
    `${round(chain.stepsPerSecond)} steps/s (${round(chain.stepsPerCommit, 1)} steps per commit); ${cpuText(chain.cpu, chain.steps)}`,
  );
  return chain;
}

async function pgCalls(options: BenchOptions, database: BenchDatabase): Promise<CallResult> {
  const node = await pgNode(database);
  const calls = await profiled("pg-call", () =>
    runCalls(node.engine, {
      callers: options.callers,
      seconds: options.seconds,
      prefix: "p",
      postgres: database.target,
    }),
  ).finally(() => node.close());
  line(
    "call",
    `${latencyText(calls)} (${options.callers} callers); ${cpuText(calls.cpu, calls.calls, "call")}`,
  );
  return calls;
}

async function pgOutbox(
  options: BenchOptions,
  database: BenchDatabase,
  chain: ChainResult,
): Promise<Record<string, number>> {
  const relay = await profiled("pg-chain-outbox", () =>
    runRelay({
      storage: { kind: "postgres", url: database.url, migrate: false },
      machines: options.machines,
      seconds: options.seconds,
      postgres: database.target,
    }),
  );
  line(
    "outbox",
    `chain with every event through the outbox to NATS: ${round(relay.chain.stepsPerSecond)} steps/s, ${ratio(relay.chain.stepsPerSecond, chain.stepsPerSecond)} × the chain without a sink; ${cpuText(relay.chain.cpu, relay.chain.steps)}`,
  );
  line(
    "relay",
    `${round(relay.publishedPerSecond)} events/s to NATS JetStream; commit → consumer lag p50 ${round(relay.lagP50Ms, 1)} ms, p99 ${round(relay.lagP99Ms, 1)} ms (${relay.consumed} events consumed)`,
  );
  return {
    chain_pg_with_outbox_steps_per_s: round(relay.chain.stepsPerSecond),
    chain_outbox_to_chain_ratio: ratio(relay.chain.stepsPerSecond, chain.stepsPerSecond),
    cpu_us_per_step_pg_outbox: round(relay.chain.cpu.ratchetUs / relay.chain.steps),
    cpu_us_per_step_pg_outbox_backends: round(relay.chain.cpu.postgresUs / relay.chain.steps),
    relay_nats_events_per_s: round(relay.publishedPerSecond),
    relay_lag_p50_ms: round(relay.lagP50Ms, 1),
    relay_lag_p99_ms: round(relay.lagP99Ms, 1),
  };
}

async function pgCeilings(
  options: BenchOptions,
  fresh: () => Promise<BenchDatabase>,
): Promise<{ transaction: number; roundTrip: number }> {
  const base = { seconds: options.seconds, concurrency: options.machines };
  const transaction = (await postgresCeiling({ ...base, url: (await fresh()).url, mode: "transaction" }))
    .stepsPerSecond;
  line(
    "ceiling",
    `${round(transaction)} steps/s (raw UPDATE + INSERT, one transaction per step, ${options.machines} connections)`,
  );
  const roundTrip = (await postgresCeiling({ ...base, url: (await fresh()).url, mode: "round-trip" }))
    .stepsPerSecond;
  line(
    "ceiling",
    `${round(roundTrip)} steps/s (UPDATE + INSERT as one statement, one round trip per step, ${options.machines} connections)`,
  );
  return { transaction, roundTrip };
}

async function pgTimers(
  options: BenchOptions,
  fresh: () => Promise<BenchDatabase>,
): Promise<Record<string, number>> {
  const [light, heavy] = await runTimers({
    storage: { kind: "postgres", url: (await fresh()).url, migrate: false },
    loads: timerLoads(options),
    idle: options.idleMachines,
  });
  if (light === undefined || heavy === undefined) throw new Error("the timer loads returned no result");
  printTimers(light, heavy);
  return {
    timer_pg_200_per_s_lateness_p99_ms: round(light.p99Ms, 1),
    timer_pg_lateness_p50_ms: round(heavy.p50Ms, 1),
    timer_pg_lateness_p99_ms: round(heavy.p99Ms, 1),
  };
}
