/**
 * The woody call workload: MG's whole path in one process. A woody processor (ProcessCall appends one 64-byte
 * event and echoes the argument) on 127.0.0.1, a node on a fresh SQLite file calling it, the Automaton HTTP server,
 * and `callers` loops each calling a machine of its own through a woody client as fast as answers come back.
 * With `processor: "http-json"` the same processor is written with the SDK and reached over HTTP-JSON.
 *
 * Call it as: `const result = await runWoodyCalls({ callers: 32, seconds: 3 });`
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHttpServer } from "../src/http/http-server.js";
import { createWoodyProcessor } from "../src/mg/processor/woody-processor.js";
import { MG_SCHEMA, stateProcessing } from "../src/mg/thrift/generated/index.js";
import { createWoodyClient, type WoodyClient } from "../src/mg/woody/client.js";
import { createWoodyService } from "../src/mg/woody/service-router.js";
import { createNode } from "../src/runtime/create-node.js";
import { SystemClock } from "../src/runtime/system-clock.js";
import { startHttpJsonBenchProcessor } from "./http-json-processor.js";
import { percentile } from "./stats.js";

export interface WoodyCallResult {
  readonly calls: number;
  readonly callsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const NAMESPACE = "bench";
const EVENT_BYTES = 64;
/** Each call hands the processor the last 10 events, as processors that keep their state in aux do; the whole
 * history would make every call's message grow with the run and measure history size, not the path. */
const HISTORY_TAIL = { limit: 10, direction: "backward" } as const;

/** Starts everything, runs the callers for `seconds`, stops everything, and reports the calls answered. */
export async function runWoodyCalls(options: {
  callers: number;
  seconds: number;
  processor?: "woody" | "http-json";
}): Promise<WoodyCallResult> {
  const clock = new SystemClock();
  const nowUs = () => clock.nowUs();
  const directory = mkdtempSync(join(tmpdir(), "ratchet-woody-bench-"));
  const { processor, close: closeProcessor } =
    options.processor === "http-json"
      ? await startHttpJsonBenchProcessor({ poolSize: options.callers, nowUs })
      : await startWoodyBenchProcessor({ poolSize: options.callers, nowUs });
  const node = await createNode({
    storage: { kind: "sqlite", path: join(directory, "woody-calls.db") },
    namespaces: () => [{ name: NAMESPACE, processor }],
  });
  const automatonServer = createHttpServer({ engine: node.engine, nowUs });
  const { port } = await automatonServer.listen(0, "127.0.0.1");
  const client = automatonClient(`http://127.0.0.1:${port}/v1/automaton`, options.callers, nowUs);
  try {
    return await driveCalls(client, { ...options, prefix: "woody-call" });
  } finally {
    client.close();
    await automatonServer.close();
    await node.close();
    await closeProcessor();
    rmSync(directory, { recursive: true, force: true });
  }
}

export type AutomatonClient = WoodyClient<stateProcessing.AutomatonMethods>;

/** A woody Automaton client for `url` (…/v1/automaton) with `poolSize` connections. */
export function automatonClient(url: string, poolSize: number, nowUs: () => number): AutomatonClient {
  return createWoodyClient<stateProcessing.AutomatonMethods>({
    schema: MG_SCHEMA,
    service: stateProcessing.SERVICE.Automaton,
    url,
    poolSize,
    nowUs,
  });
}

/** Starts `callers` machines, then each caller calls its own as fast as answers come back for `seconds`. */
export async function driveCalls(
  client: AutomatonClient,
  options: { callers: number; seconds: number; prefix: string },
): Promise<WoodyCallResult> {
  const ids = Array.from({ length: options.callers }, (_, index) => `${options.prefix}-${index}`);
  const arg = { bin: new Uint8Array([1]) };
  await Promise.all(ids.map((id) => client.call("Start", { ns: NAMESPACE, id, a: arg })));
  const latencies: number[] = [];
  const startedAt = performance.now();
  const endAt = startedAt + options.seconds * 1000;
  await Promise.all(
    ids.map(async (id) => {
      const desc = { ns: NAMESPACE, ref: { id }, range: HISTORY_TAIL };
      while (performance.now() < endAt) {
        const began = performance.now();
        await client.call("Call", { desc, a: arg });
        latencies.push(performance.now() - began);
      }
    }),
  );
  const elapsedSeconds = (performance.now() - startedAt) / 1000;
  latencies.sort((left, right) => left - right);
  return {
    calls: latencies.length,
    callsPerSecond: latencies.length / elapsedSeconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

async function startWoodyBenchProcessor(options: { poolSize: number; nowUs: () => number }) {
  const processorServer = await listenLocal(benchProcessor(options.nowUs));
  const processor = createWoodyProcessor({
    url: `http://127.0.0.1:${processorServer.port}/v1/stateproc/${NAMESPACE}`,
    poolSize: options.poolSize,
    nowUs: options.nowUs,
  });
  return {
    processor,
    async close() {
      await processor.close?.();
      await processorServer.close();
    },
  };
}

/** The processor side: init and signals change nothing; each call appends one 64-byte event. */
export function benchProcessor(nowUs: () => number) {
  const aux = { data: { nl: {} } } as const;
  return createWoodyService<stateProcessing.ProcessorMethods>({
    schema: MG_SCHEMA,
    service: stateProcessing.SERVICE.Processor,
    nowUs,
    handlers: {
      ProcessSignal: async () => ({ change: { aux_state: aux, events: [] }, action: {} }),
      ProcessCall: async ({ a }) => ({
        response: a.arg,
        change: { aux_state: aux, events: [{ data: { bin: randomBytes(EVENT_BYTES) } }] },
        action: {},
      }),
      ProcessRepair: async ({ a }) => ({ response: a.arg, change: { aux_state: aux }, action: {} }),
    },
  });
}

export async function listenLocal(
  handler: (request: http.IncomingMessage, response: http.ServerResponse) => Promise<void>,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((request, response) => void handler(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
