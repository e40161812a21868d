/**
 * Timer lateness: machines arm timers a little in the future, and each timeout step records how late it ran
 * against its due time. Reports p50/p99/max lateness, the figure behind "timers fire within milliseconds".
 * `idle` machines whose timers are 30 days away sit in the same table (copied in SQL, see idle-machines.ts), so
 * the figure holds for a table of production size, not only for an empty one.
 */
import type { NamespaceOptions } from "../src/engine/namespace.js";
import { localProcessor, timer } from "../src/processors/local-processor.js";
import type { StorageChoice } from "../src/runtime/create-node.js";
import { createNode } from "../src/runtime/create-node.js";
import { fillIdlePostgres, fillIdleSqlite, type IdleFill } from "./idle-machines.js";
import { latencySummary } from "./stats.js";
import { sleep } from "./workloads.js";

export interface TimerResult {
  readonly timers: number;
  readonly idleMachines: number;
  readonly idleFillSeconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

const NAMESPACE = "timers";
const FAR_MS = 30 * 24 * 3600 * 1000;
/** The longest first timer (50–150 ms after start). */
const FIRST_ROUND_MS = 150;

/**
 * `latenessUs` gets the lateness of each timer step once `measuring()` says so: the timers of the first round
 * fall due while the load's machines are still being started (all at once), which measures the start burst.
 */
function timersNamespace(latenessUs: number[], measuring: () => boolean = () => true): NamespaceOptions {
  return {
    name: NAMESPACE,
    processor: localProcessor({
      // A non-empty argument marks the idle template: its timer is a month away.
      init: ({ args }) => ({ timer: timer.after(args.byteLength > 0 ? FAR_MS : 50 + Math.random() * 100) }),
      timer: ({ machine }) => {
        if (measuring()) latenessUs.push(Date.now() * 1000 - (machine.timerDueAtUs ?? 0));
        return { timer: timer.after(50 + Math.random() * 100) };
      },
    }),
  };
}

export interface TimerLoad {
  /** Machines re-arming 50–150 ms timers: 20 give ~200 timers/s, 200 give ~2,000/s. */
  readonly machines: number;
  readonly rounds: number;
}

/** Copies `idle` machines once, then runs each load in turn on the same table (a fresh node for each). */
export async function runTimers(options: {
  storage: StorageChoice;
  loads: readonly TimerLoad[];
  idle: number;
}): Promise<TimerResult[]> {
  const idleFillSeconds = options.idle > 0 ? await addIdleMachines(options.storage, options.idle) : 0;
  const results: TimerResult[] = [];
  for (const [index, load] of options.loads.entries()) {
    const latenessUs = await runTimerLoad(options.storage, load, `t${index}`);
    const summary = latencySummary(latenessUs);
    results.push({
      timers: latenessUs.length,
      idleMachines: options.idle,
      idleFillSeconds,
      p50Ms: summary.p50 / 1000,
      p99Ms: summary.p99 / 1000,
      maxMs: summary.max / 1000,
    });
  }
  return results;
}

async function runTimerLoad(storage: StorageChoice, load: TimerLoad, prefix: string): Promise<number[]> {
  const latenessUs: number[] = [];
  let measuring = false;
  const node = await createNode({
    storage,
    namespaces: () => [timersNamespace(latenessUs, () => measuring)],
  });
  try {
    await Promise.all(
      Array.from({ length: load.machines }, (_, index) =>
        node.engine.start(NAMESPACE, `${prefix}-${index}`, new Uint8Array(0)),
      ),
    );
    await sleep(FIRST_ROUND_MS); // every machine started has fired its first timer: steady state from here
    measuring = true;
    while (latenessUs.length < load.machines * load.rounds) await sleep(50);
  } finally {
    await node.close();
  }
  return latenessUs;
}

/** Starts the template through the engine, closes the node, copies it `count` times; returns the seconds taken. */
async function addIdleMachines(storage: StorageChoice, count: number): Promise<number> {
  const startedAt = performance.now();
  const node = await createNode({ storage, namespaces: () => [timersNamespace([])] });
  try {
    await node.engine.start(NAMESPACE, "idle-template", new Uint8Array([1]));
  } finally {
    await node.close();
  }
  const fill: IdleFill = { namespace: NAMESPACE, templateId: "idle-template", prefix: "idle", count };
  if (storage.kind === "sqlite") fillIdleSqlite(storage.path, fill);
  else await fillIdlePostgres(storage.url, storage.schema ?? "ratchet", fill);
  return (performance.now() - startedAt) / 1000;
}
