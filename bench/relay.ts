/**
 * The publishing workload: the chain workload with every event going through the outbox to a real NATS
 * JetStream, and a consumer in a process of its own (bench/processes/nats-lag-consumer.ts) subscribed to the stream's subjects that measures each event's lag from its commit
 * (`created_at`) to its arrival. Reports the chain's steps/s with the outbox (to set beside the chain without a
 * sink), the relay's published records/s, and the lag p50/p99.
 */
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { connect } from "nats";
import type { NamespaceOptions } from "../src/engine/namespace.js";
import type { StorageChoice } from "../src/runtime/create-node.js";
import { createNode } from "../src/runtime/create-node.js";
import { NatsSink } from "../src/sinks/nats/nats-sink.js";
import { startChild } from "./child-process.js";
import type { PostgresTarget } from "./cpu-probe.js";
import type { ChainResult } from "./workloads.js";
import { benchNamespace, percentile, runChain, sleep } from "./workloads.js";

const NATS_URL = process.env.RATCHET_BENCH_NATS_URL ?? "nats://127.0.0.1:4222";
const CONSUMER_SCRIPT = fileURLToPath(new URL("./processes/nats-lag-consumer.js", import.meta.url));

export interface RelayResult {
  readonly chain: ChainResult;
  readonly publishedPerSecond: number;
  readonly consumed: number;
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
}

export async function runRelay(options: {
  storage: StorageChoice;
  machines: number;
  seconds: number;
  postgres?: PostgresTarget;
}): Promise<RelayResult> {
  const stream = `bench_${randomBytes(4).toString("hex")}`;
  const consumer = await startChild({
    script: CONSUMER_SCRIPT,
    args: [NATS_URL, stream],
    profileName: "nats-consumer",
    readyPattern: /subscribed/,
  });
  const sink = new NatsSink({ name: "nats", servers: NATS_URL, stream, subjectPrefix: stream });
  const namespace: NamespaceOptions = { ...benchNamespace(), eventSinks: ["nats"] };
  const errors = new Map<string, number>();
  const node = await createNode({
    storage: options.storage,
    namespaces: () => [namespace],
    sinks: [sink],
    onError: (error) => errors.set(String(error), (errors.get(String(error)) ?? 0) + 1),
  });
  try {
    const relay = node.relays[0];
    const publishedBefore = relay?.stats.published ?? 0;
    const startedAt = performance.now();
    const chain = await runChain(node.engine, {
      machines: options.machines,
      seconds: options.seconds,
      prefix: "r",
      ...(options.postgres === undefined ? {} : { postgres: options.postgres }),
    });
    const elapsed = (performance.now() - startedAt) / 1000;
    const published = (relay?.stats.published ?? 0) - publishedBefore;
    await node.close({ drainTimeoutMs: 10_000 });
    await sleep(200); // the last messages in flight to the consumer
    await consumer.stop();
    for (const [error, count] of errors) console.error(`  relay error ×${count}: ${error}`);
    const sorted = lagsOf(consumer.output()).sort((a, b) => a - b);
    return {
      chain,
      publishedPerSecond: published / elapsed,
      consumed: sorted.length,
      lagP50Ms: percentile(sorted, 0.5) / 1000,
      lagP99Ms: percentile(sorted, 0.99) / 1000,
    };
  } finally {
    await consumer.stop();
    await deleteStream(stream);
  }
}

async function deleteStream(stream: string): Promise<void> {
  const connection = await connect({ servers: NATS_URL });
  try {
    const manager = await connection.jetstreamManager();
    await manager.streams.delete(stream).catch(() => false);
  } finally {
    await connection.close();
  }
}

/** The lags the consumer printed on its way out. */
function lagsOf(output: string): number[] {
  const line = output.split("\n").find((text) => text.startsWith('{"lagsUs"'));
  if (line === undefined) throw new Error(`the NATS consumer printed no lags:\n${output}`);
  return (JSON.parse(line) as { lagsUs: number[] }).lagsUs;
}
