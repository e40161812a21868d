/**
 * The publishing workload: the chain workload with every event going through the outbox to a real NATS
 * JetStream, and a consumer subscribed to the stream's subjects that measures each event's lag from its commit
 * (`created_at`) to its arrival. Reports the chain's steps/s with the outbox (to set beside the chain without a
 * sink), the relay's published records/s, and the lag p50/p99.
 */
import { randomBytes } from "node:crypto";
import { connect } from "nats";
import { parseTimestampUs } from "../src/core/time.js";
import type { NamespaceOptions } from "../src/engine/namespace.js";
import { eventSink, MG_SCHEMA } from "../src/mg/thrift/generated/index.js";
import { decodeStruct } from "../src/mg/thrift/struct-decoder.js";
import type { StorageChoice } from "../src/runtime/create-node.js";
import { createNode } from "../src/runtime/create-node.js";
import { NatsSink } from "../src/sinks/nats/nats-sink.js";
import type { PostgresTarget } from "./cpu-probe.js";
import type { ChainResult } from "./workloads.js";
import { benchNamespace, percentile, runChain, sleep } from "./workloads.js";

const NATS_URL = process.env.RATCHET_BENCH_NATS_URL ?? "nats://127.0.0.1:4222";

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
  const consumer = await connect({ servers: NATS_URL });
  const lagsUs: number[] = [];
  const subscription = consumer.subscribe(`${stream}.>`, {
    callback: (error, message) => {
      if (error !== null || !message.subject.endsWith(".events")) return;
      const { event } = decodeStruct(MG_SCHEMA, eventSink.STRUCT.SinkEvent, message.data);
      if (event === undefined) return;
      lagsUs.push(Date.now() * 1000 - parseTimestampUs(event.created_at, "created_at", { requireUtc: true }));
    },
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
    for (const [error, count] of errors) console.error(`  relay error ×${count}: ${error}`);
    const sorted = [...lagsUs].sort((a, b) => a - b);
    return {
      chain,
      publishedPerSecond: published / elapsed,
      consumed: lagsUs.length,
      lagP50Ms: percentile(sorted, 0.5) / 1000,
      lagP99Ms: percentile(sorted, 0.99) / 1000,
    };
  } finally {
    subscription.unsubscribe();
    const manager = await consumer.jetstreamManager();
    await manager.streams.delete(stream).catch(() => false);
    await consumer.close();
  }
}
