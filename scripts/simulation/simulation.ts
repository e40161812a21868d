/**
 * One seeded run: real engines (one to three nodes) on one in-memory embedded store, each node behind its own
 * fault-injecting storage, with the simulated processor and clock; many clients send random operations; then a
 * quiet phase without faults in which failed machines are simply repaired and everything must settle; then the
 * engines close and must leave nothing behind. The checker judges every transition on the way.
 */
import { Engine } from "../../src/engine/engine.js";
import { FaultPoints } from "../../src/engine/fault-points.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import type { Storage } from "../../src/storage/storage.js";
import { createRandom, type Random } from "../chaos/random.js";
import { Checker } from "./checker.js";
import { type ClientContext, repairFailed, runClient, type SimulatedNode } from "./clients.js";
import { SimulatedClock } from "./clock.js";
import { faultyStorage } from "./faulty-storage.js";
import { InvocationLog } from "./invocations.js";
import { ObservedStore } from "./observed-store.js";
import { simulatedProcessor } from "./processor.js";
import { type RunEnd, RunLoop } from "./run-loop.js";
import { POLICIES, POLL_INTERVAL_MS, type SimulationSettings, settingsOf, TIMEOUTS_MS } from "./settings.js";
import { StorageFaultPlan } from "./storage-faults.js";
import { SIMULATION_EPOCH_US, Trace } from "./trace.js";

export interface SimulationOptions {
  readonly seed: number;
  /**
   * A layer between the checker's view of the store and the real one: how a test proves that the checker
   * notices a store that does not do what it answers.
   */
  readonly tamper?: (real: Storage) => Storage;
}

export interface SimulationResult {
  readonly seed: number;
  readonly passed: boolean;
  readonly end: RunEnd;
  readonly violations: readonly string[];
  readonly trace: Trace;
  readonly settings: SimulationSettings;
  readonly simulatedMs: number;
}

/** Simulated time after which a run counts as stuck. */
const RUN_MS_MAX = 15 * 60 * 1000;
/** Turns at one instant after which a run counts as spinning. */
const TURNS_PER_INSTANT_MAX = 20_000;
/** Quiet rounds: each waits this long, then simply repairs what is failed; the last one only waits. */
const QUIET_ROUNDS = 3;
const QUIET_ROUND_MS = 6000;

interface Run {
  readonly random: Random;
  readonly settings: SimulationSettings;
  readonly clock: SimulatedClock;
  readonly trace: Trace;
  readonly store: ObservedStore;
  readonly checker: Checker;
  readonly loop: RunLoop;
}

export async function simulate(options: SimulationOptions): Promise<SimulationResult> {
  const random = createRandom(options.seed);
  const settings = settingsOf(random.fork("settings"));
  const clock = new SimulatedClock(SIMULATION_EPOCH_US);
  const trace = new Trace(clock);
  const sqlite = new SqliteStorage({ path: ":memory:", nowUs: () => clock.nowUs() });
  const store = new ObservedStore(options.tamper === undefined ? sqlite : options.tamper(sqlite));
  const log = new InvocationLog((running, next) => checker.overlap(running, next));
  const checker = new Checker({ clock, trace, log, real: store.real, policies: POLICIES });
  store.observe(checker);
  const loop = new RunLoop({
    clock,
    storageBusy: () => store.busy,
    onQuiet: () => checker.quiet(),
    stopped: () => checker.failed,
    endUsMax: SIMULATION_EPOCH_US + RUN_MS_MAX * 1000,
    turnsPerInstantMax: TURNS_PER_INSTANT_MAX,
  });
  const run: Run = { random, settings, clock, trace, store, checker, loop };
  const onUnhandled = (reason: unknown) => checker.fail(`an unhandled rejection: ${describe(reason)}`);
  process.on("unhandledRejection", onUnhandled);
  let end: RunEnd;
  try {
    end = await loop.run(scenario(run, log));
  } catch (error) {
    checker.fail(`the run threw: ${describe(error)}`);
    end = "stopped";
  }
  try {
    if (end !== "finished") {
      if (!checker.failed) checker.fail(`the run ended ${end} at ${clock.pending} waits`);
      await loop.drain();
    }
  } finally {
    process.off("unhandledRejection", onUnhandled);
    await sqlite.close();
  }
  const simulatedMs = (clock.nowUs() - SIMULATION_EPOCH_US) / 1000;
  return {
    seed: options.seed,
    passed: !checker.failed,
    end,
    violations: checker.violations,
    trace,
    settings,
    simulatedMs,
  };
}

async function scenario(run: Run, log: InvocationLog): Promise<void> {
  const { random, settings, clock, trace, checker } = run;
  let faultsOn = true;
  const specs = settings.served.map((namespaces, index): NodeSpec => {
    const name = `n${index + 1}`;
    const plan = new StorageFaultPlan(
      name,
      random.fork(`storage ${name}`),
      settings.storageRates,
      clock,
      trace,
      settings.leaseDurationMs,
    );
    return { name, namespaces, plan, log, faultsEnabled: () => faultsOn };
  });
  const nodes = specs.map((spec) => createNode(run, spec, 1));
  trace.add(
    `seed: ${settings.nodeCount} nodes, ${settings.machines.length} machines, ${settings.clientCount} clients × ` +
      `${settings.operationsPerClient}, lease ${settings.leaseDurationMs} ms, fault level ${settings.faultLevel}, ${settings.restarts} restarts`,
  );
  const context: ClientContext = {
    clock,
    nodes,
    machines: settings.machines,
    checker,
    defaultDeadlineMs: TIMEOUTS_MS.request,
    pauseMsMax: 300,
  };
  const clientsDone = new AbortController();
  const restarts = restartNodes(run, { nodes, specs, stop: clientsDone.signal });
  await Promise.all(
    Array.from({ length: settings.clientCount }, (_, index) =>
      runClient(context, index + 1, random.fork(`client ${index + 1}`), settings.operationsPerClient),
    ),
  );
  clientsDone.abort();
  await restarts;
  if (checker.failed) return;
  trace.add("quiet phase: no more faults");
  faultsOn = false;
  for (const spec of specs) spec.plan.disable();
  // A frozen node's calls end, and the leases it left expire, within three lease durations.
  checker.expectPunctualTimers(clock.nowUs() + 4 * settings.leaseDurationMs * 1000);
  for (let round = 1; round <= QUIET_ROUNDS; round += 1) {
    await clock.waitUntil(clock.nowUs() + QUIET_ROUND_MS * 1000);
    if (round < QUIET_ROUNDS) await repairFailed(context, random.fork(`repair round ${round}`));
  }
  await checker.settled();
  await closeNodes(run, nodes);
}

/**
 * Restarts nodes while the clients work: the node's engine closes (its queued work finishes, or outlives a short
 * drain), and a fresh engine with a new owner takes its place; clients that reach the closing one are refused.
 */
async function restartNodes(
  run: Run,
  options: { nodes: SimulatedNode[]; specs: readonly NodeSpec[]; stop: AbortSignal },
): Promise<void> {
  const { clock, trace, settings } = run;
  const random = run.random.fork("restarts");
  for (let restart = 1; restart <= settings.restarts; restart += 1) {
    await clock.waitUntil(clock.nowUs() + random.integer(500, 6000) * 1000, options.stop);
    if (options.stop.aborted || run.checker.failed) return;
    const slot = random.integer(0, options.nodes.length - 1);
    const old = options.nodes[slot] as SimulatedNode;
    trace.add(`${old.name} restarts: its engine closes`);
    await old.engine.close({ drainTimeoutMs: random.integer(0, 1000) });
    options.nodes[slot] = createNode(run, options.specs[slot] as NodeSpec, restart + 1);
    trace.add(`${old.name} restarted`);
  }
}

interface NodeSpec {
  readonly name: string;
  readonly namespaces: readonly string[];
  readonly plan: StorageFaultPlan;
  readonly log: InvocationLog;
  readonly faultsEnabled: () => boolean;
}

function createNode(run: Run, node: NodeSpec, generation: number): SimulatedNode {
  const { random, settings, clock, trace, checker, loop } = run;
  const processor = simulatedProcessor({
    node: node.name,
    clock,
    random: random.fork(`processor ${node.name}.${generation}`),
    log: node.log,
    trace,
    rates: settings.processorRates,
    faultsEnabled: node.faultsEnabled,
  });
  const ids = random.fork(`ids ${node.name}.${generation}`);
  const faults = new FaultPoints();
  faults.arm("afterProcessorBeforeCommit", (point) => node.plan.pauseStep(point.machineId));
  const engine = new Engine({
    storage: faultyStorage(run.store, node.plan),
    clock,
    random: random.fork(`engine ${node.name}.${generation}`).next,
    newId: () =>
      `${node.name}-${Math.floor(ids.next() * 2 ** 32).toString(16)}${Math.floor(ids.next() * 2 ** 32).toString(16)}`,
    owner: `node-${node.name}.${generation}`,
    namespaces: node.namespaces.map((name) => {
      const policies = POLICIES.get(name)!;
      return {
        name,
        processor,
        defaultProcessingTimeoutMs: TIMEOUTS_MS.request,
        timerProcessingTimeoutMs: TIMEOUTS_MS.timer,
        notificationProcessingTimeoutMs: TIMEOUTS_MS.notification,
        timerRetryPolicy: policies.timerRetry,
        notificationRetryPolicy: policies.notificationRetry,
      };
    }),
    defer: loop.defer,
    leaseDurationMs: settings.leaseDurationMs,
    pollIntervalMs: POLL_INTERVAL_MS,
    historyCacheBytesMax: settings.historyCacheBytesMax,
    faults,
    onError: (error) => checker.engineError(node.name, error),
  });
  return { name: node.name, engine, namespaces: node.namespaces };
}

/** Every node idle, closed, and then nothing left: no wait of any engine, no lease held in storage. */
async function closeNodes(run: Run, nodes: readonly SimulatedNode[]): Promise<void> {
  const { checker, clock, store } = run;
  for (const node of nodes) {
    const stats = node.engine.stats();
    if (stats.runners > 0 || stats.scheduledInFlight > 0)
      checker.fail(`${node.name} is not idle after the quiet phase: ${JSON.stringify(stats)}`);
  }
  await Promise.all(nodes.map((node) => node.engine.close({ drainTimeoutMs: 1000 })));
  if (clock.pending > 0) checker.fail(`${clock.pending} waits were left behind after every engine closed`);
  for (const { namespace, id } of run.settings.machines) {
    const nowUs = clock.nowUs();
    const probe = await store.track((real) =>
      real.acquireLease({ namespace, machineId: id, owner: "probe", nowUs, untilUs: nowUs + 1 }),
    );
    if (!probe.acquired) checker.fail(`${namespace}/${id} is still leased after every engine closed`);
    else await store.track((real) => real.releaseLease(probe.lease));
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
