/**
 * The benchmark workloads, each run against a fresh node: chain (machines chaining zero-delay timers, one 64-byte
 * event per step, the shape of progressor's own benchmark) and call (concurrent calls, one event each).
 */
import type { Engine } from "../src/engine/engine.js";
import type { NamespaceOptions } from "../src/engine/namespace.js";
import { encodeValue } from "../src/mg/msgpack/msgpack-value.js";
import { localProcessor, timer } from "../src/processors/local-processor.js";
import { type CpuUsed, type PostgresTarget, startCpuProbe } from "./cpu-probe.js";
import { payload } from "./payload.js";
import { percentile } from "./stats.js";

export { percentile } from "./stats.js";

export const BENCH_NAMESPACE = "bench";

/**
 * Every step appends one 64-byte event; timers chain at zero delay until the engine stops. `extra` overrides
 * namespace settings (the journal's, to measure what it costs).
 */
export function benchNamespace(extra: Partial<NamespaceOptions> = {}): NamespaceOptions {
  // A msgpack bin of 64 random bytes: the payload shape every sink can publish in MG's format.
  const event = () => ({ data: encodeValue({ bin: payload() }) });
  const processor = localProcessor({
    init: ({ args }) => ({ events: [event()], timer: args.byteLength > 0 ? timer.now() : timer.unset() }),
    timer: () => ({ events: [event()], timer: timer.now() }),
    call: () => ({ events: [event()], response: new Uint8Array(0) }),
  });
  return { name: BENCH_NAMESPACE, processor, limits: { historyPageEventsMax: 10_000_000 }, ...extra };
}

export interface ChainResult {
  readonly machines: number;
  readonly seconds: number;
  readonly steps: number;
  readonly stepsPerSecond: number;
  readonly stepsPerCommit: number;
  /** CPU of this process and of the database's backends in the measured window. */
  readonly cpu: CpuUsed;
}

/** CPU µs per step (or call) of Ratchet and of PostgreSQL: what a step costs, not how long it waits. */
export function cpuPerStep(cpu: CpuUsed, steps: number): { ratchetUs: number; postgresUs: number } {
  return { ratchetUs: cpu.ratchetUs / steps, postgresUs: cpu.postgresUs / steps };
}

/** Starts `machines` chains, lets them run, and counts the steps committed in the measured window. */
export async function runChain(
  engine: Engine,
  options: { machines: number; seconds: number; prefix: string; postgres?: PostgresTarget },
): Promise<ChainResult> {
  const ids = Array.from({ length: options.machines }, (_, index) => `${options.prefix}-chain-${index}`);
  await startMachines(engine, ids, new Uint8Array([1]));
  const warmupMs = Math.min(1000, options.seconds * 200);
  await sleep(warmupMs);
  const probe = await startCpuProbe(options.postgres === undefined ? {} : { postgres: options.postgres });
  const before = engine.stats();
  const startedAt = performance.now();
  await sleep(options.seconds * 1000);
  const after = engine.stats();
  const elapsed = (performance.now() - startedAt) / 1000;
  const cpu = await probe.stop();
  const steps = after.committedSteps - before.committedSteps;
  const flushes = after.commitFlushes - before.commitFlushes;
  return {
    machines: options.machines,
    seconds: elapsed,
    steps,
    stepsPerSecond: steps / elapsed,
    stepsPerCommit: flushes === 0 ? 0 : steps / flushes,
    cpu,
  };
}

export interface CallResult {
  readonly callers: number;
  readonly calls: number;
  readonly callsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpu: CpuUsed;
}

/** `callers` loops, each calling a machine of its own as fast as answers come back. */
export async function runCalls(
  engine: Engine,
  options: { callers: number; seconds: number; prefix: string; postgres?: PostgresTarget },
): Promise<CallResult> {
  const ids = Array.from({ length: options.callers }, (_, index) => `${options.prefix}-call-${index}`);
  await Promise.all(ids.map((id) => engine.start(BENCH_NAMESPACE, id, new Uint8Array(0))));
  const latencies: number[] = [];
  const probe = await startCpuProbe(options.postgres === undefined ? {} : { postgres: options.postgres });
  const endAt = performance.now() + options.seconds * 1000;
  const startedAt = performance.now();
  await Promise.all(
    ids.map(async (id) => {
      while (performance.now() < endAt) {
        const began = performance.now();
        await engine.call(BENCH_NAMESPACE, id, new Uint8Array(0));
        latencies.push(performance.now() - began);
      }
    }),
  );
  const elapsed = (performance.now() - startedAt) / 1000;
  const cpu = await probe.stop();
  latencies.sort((a, b) => a - b);
  return {
    callers: options.callers,
    calls: latencies.length,
    callsPerSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    cpu,
  };
}

/**
 * Starts machines `batch` at a time: thousands of starts at once would queue past the pool's connection timeout
 * and measure the pool, not the engine.
 */
export async function startMachines(
  engine: Engine,
  ids: readonly string[],
  args: Uint8Array,
  batch = 200,
): Promise<void> {
  for (let first = 0; first < ids.length; first += batch) {
    await Promise.all(ids.slice(first, first + batch).map((id) => engine.start(BENCH_NAMESPACE, id, args)));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
