/**
 * Timer lateness: machines arm timers a little in the future, and each timeout step records how late it ran
 * against its due time. Reports p50/p99/max lateness, the figure behind "timers fire within milliseconds".
 */
import type { NamespaceOptions } from "../src/engine/namespace.js";
import { localProcessor, timer } from "../src/processors/local-processor.js";
import type { StorageChoice } from "../src/runtime/create-node.js";
import { createNode } from "../src/runtime/create-node.js";
import { percentile, sleep } from "./workloads.js";

export interface TimerResult {
  readonly timers: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export async function runTimers(options: {
  storage: StorageChoice;
  machines: number;
  rounds: number;
}): Promise<TimerResult> {
  const latenessUs: number[] = [];
  const namespace: NamespaceOptions = {
    name: "timers",
    processor: localProcessor({
      init: () => ({ timer: timer.after(50 + Math.random() * 100) }),
      timer: ({ machine }) => {
        latenessUs.push(Date.now() * 1000 - (machine.timerDueAtUs ?? 0));
        return { timer: timer.after(50 + Math.random() * 100) };
      },
    }),
  };
  const node = await createNode({ storage: options.storage, namespaces: () => [namespace] });
  try {
    await Promise.all(
      Array.from({ length: options.machines }, (_, index) =>
        node.engine.start("timers", `t${index}`, new Uint8Array(0)),
      ),
    );
    while (latenessUs.length < options.machines * options.rounds) await sleep(50);
  } finally {
    await node.close();
  }
  const sorted = [...latenessUs].sort((a, b) => a - b);
  return {
    timers: sorted.length,
    p50Ms: percentile(sorted, 0.5) / 1000,
    p99Ms: percentile(sorted, 0.99) / 1000,
    maxMs: (sorted.at(-1) ?? Number.NaN) / 1000,
  };
}
