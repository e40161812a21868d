/**
 * Where a woody call's milliseconds go, at one caller, in the same run as the woody figures: `GetMachine` through
 * `ratchet serve` (the Automaton hop and a read, no processor), and a call made by an engine in this process whose
 * processor is the woody processor process (the processor hop, no Automaton hop), with that hop timed on its own.
 * Together with the local call and the whole woody call they show which part adds the latency.
 */

import { encodeValue } from "../src/mg/msgpack/msgpack-value.js";
import { createWoodyProcessor } from "../src/mg/processor/woody-processor.js";
import type { Processor } from "../src/processors/processor.js";
import type { StorageChoice } from "../src/runtime/create-node.js";
import { createNode } from "../src/runtime/create-node.js";
import { latencySummary } from "./stats.js";
import type { AutomatonClient } from "./woody-call.js";

export interface HopLatencies {
  /** `GetMachine` of the last 10 events through serve. */
  readonly getMachineP50Ms: number;
  /** A call by an engine here, processor over woody: the processor hop plus the engine's own work. */
  readonly engineWithWoodyProcessorP50Ms: number;
  /** The processor hop alone (request encoded, sent, answered, decoded), timed around Processor.process. */
  readonly processorHopP50Ms: number;
}

export async function measureHops(options: {
  readonly client: AutomatonClient;
  readonly machineId: string;
  readonly processorUrl: string;
  readonly storage: StorageChoice;
  readonly seconds: number;
}): Promise<HopLatencies> {
  const desc = {
    ns: "bench",
    ref: { id: options.machineId },
    range: { limit: 10, direction: "backward" as const },
  };
  const getMachine = await timedLoop(options.seconds, () => options.client.call("GetMachine", { desc }));
  const hops: number[] = [];
  const woody = createWoodyProcessor({
    url: options.processorUrl,
    poolSize: 1,
    nowUs: () => Date.now() * 1000,
  });
  const timed: Processor = {
    async process(request, processOptions) {
      const began = performance.now();
      try {
        return await woody.process(request, processOptions);
      } finally {
        hops.push(performance.now() - began);
      }
    },
  };
  const node = await createNode({
    storage: options.storage,
    namespaces: () => [{ name: "bench", processor: timed }],
  });
  try {
    // A woody processor reads arguments as msgpack values, as the Automaton API hands them over.
    const args = encodeValue({ bin: new Uint8Array([1]) });
    await node.engine.start("bench", "hop-0", args);
    hops.length = 0;
    const calls = await timedLoop(options.seconds, () =>
      node.engine.call("bench", "hop-0", args, {
        range: { limit: 10, direction: "backward" },
      }),
    );
    return {
      getMachineP50Ms: latencySummary(getMachine).p50,
      engineWithWoodyProcessorP50Ms: latencySummary(calls).p50,
      processorHopP50Ms: latencySummary(hops).p50,
    };
  } finally {
    await node.close();
    await woody.close?.();
  }
}

/** Runs `work` back to back for `seconds`; returns each run's milliseconds. */
async function timedLoop(seconds: number, work: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  const endAt = performance.now() + seconds * 1000;
  while (performance.now() < endAt) {
    const began = performance.now();
    await work();
    samples.push(performance.now() - began);
  }
  return samples;
}
