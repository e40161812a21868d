/**
 * What the step journal costs the hot path: the chain on SQLite with the journal on (the default) and with
 * `journal: { enabled: false }`, in the same run. The rounds go off, on, on, off (each on a fresh file), so a drift
 * of the shared machine's speed during the run weighs on both sides alike.
 */
import { join } from "node:path";
import { createNode } from "../src/runtime/create-node.js";
import type { ChainResult } from "./workloads.js";
import { benchNamespace, runChain } from "./workloads.js";

export interface JournalCostResult {
  readonly journalOn: { readonly steps: number; readonly stepsPerSecond: number };
  readonly journalOff: { readonly steps: number; readonly stepsPerSecond: number };
  /** Journal-on steps/s over journal-off steps/s (the requirement: at least 0.8). */
  readonly ratio: number;
}

const ROUNDS: readonly boolean[] = [false, true, true, false];

export async function runJournalCost(options: {
  directory: string;
  machines: number;
  seconds: number;
}): Promise<JournalCostResult> {
  const results: { journal: boolean; chain: ChainResult }[] = [];
  for (const [index, journal] of ROUNDS.entries()) {
    const node = await createNode({
      storage: { kind: "sqlite", path: join(options.directory, `journal-${index}.db`) },
      namespaces: () => [benchNamespace(journal ? {} : { journal: { enabled: false } })],
    });
    try {
      const chain = await runChain(node.engine, {
        machines: options.machines,
        seconds: options.seconds / 2,
        prefix: `j${index}`,
      });
      results.push({ journal, chain });
    } finally {
      await node.close({ drainTimeoutMs: 10_000 });
    }
  }
  const total = (journal: boolean) => {
    const runs = results.filter((result) => result.journal === journal).map((result) => result.chain);
    const steps = runs.reduce((sum, run) => sum + run.steps, 0);
    const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
    return { steps, stepsPerSecond: steps / seconds };
  };
  const journalOn = total(true);
  const journalOff = total(false);
  return { journalOn, journalOff, ratio: journalOn.stepsPerSecond / journalOff.stepsPerSecond };
}
