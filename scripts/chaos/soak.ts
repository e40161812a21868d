/**
 * One run of the fault soak: starts its own PostgreSQL, nats-server, processor and nodes in a temporary
 * folder, runs the chain workload under the fault schedule for the phase, heals, drains, gathers the evidence
 * and hands it to the checker. `tearDown` stops everything it started and removes the folder; `tearDownNow`
 * does the same synchronously, for an exit that leaves no time.
 */
import { rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { AutomatonPool } from "./automaton.js";
import { type CheckResult, runChecks } from "./checker.js";
import { FaultInjector } from "./fault-injector.js";
import { type PlannedFault, planFaults } from "./fault-plan.js";
import { readHistories } from "./histories.js";
import { NatsServer } from "./nats-server.js";
import { handFolderToPostgres, PostgresCluster } from "./postgres-cluster.js";
import { ChildProcesses, freePort } from "./processes.js";
import { ProcessorLink, type ProcessorReport } from "./processor-link.js";
import { createRandom } from "./random.js";
import { createNodes, NATS_STREAM, type RatchetNode } from "./ratchet-nodes.js";
import { readStream } from "./stream-reader.js";
import { ChainWorkload, type WorkloadOptions } from "./workload.js";

export interface SoakSettings {
  readonly seed: number;
  readonly phaseMs: number;
  readonly leaseDurationMs: number;
  readonly nodeCount: number;
  /** How long the processor works on a normal step, ms. */
  readonly workMs: number;
  readonly workload: Omit<WorkloadOptions, "idPrefix">;
  readonly rssBoundKib: number;
  readonly drainWaitMs: number;
  readonly streamWaitMs: number;
  readonly faultGapMsMin: number;
  readonly faultGapMsMax: number;
}

export interface SoakOutcome {
  readonly results: CheckResult[];
  readonly plan: readonly PlannedFault[];
  readonly injector: FaultInjector;
  readonly workload: ChainWorkload;
  readonly processor: ProcessorReport;
  readonly nodes: readonly RatchetNode[];
  readonly stepsCommitted: number;
  readonly streamMessages: number;
  readonly sinkDuplicates: number;
  readonly drained: boolean;
}

const DATABASE = "ratchet";
const RSS_SAMPLE_MS = 1000;
const FAULT_WARMUP_MS = 5000;
/** Long enough for the longest node fault (a stop of 2.5 leases, or a kill and a restart) to heal. */
const FAULT_QUIET_TAIL_MS = 8000;

export class Soak {
  readonly #children: ChildProcesses;
  #postgres: PostgresCluster | undefined;
  #nats: NatsServer | undefined;
  #processor: ProcessorLink | undefined;
  #nodes: RatchetNode[] = [];
  #automaton: AutomatonPool | undefined;
  #tornDown = false;

  private readonly folder: string;
  private readonly settings: SoakSettings;
  private readonly log: (line: string) => void;
  /** An epoch instant as the log's offset from the start. */
  private readonly offsetOf: (epochMs: number) => string;
  private readonly keepFolder: boolean;

  constructor(options: {
    folder: string;
    settings: SoakSettings;
    log: (line: string) => void;
    offsetOf: (epochMs: number) => string;
    keepFolder: boolean;
  }) {
    this.folder = options.folder;
    this.settings = options.settings;
    this.log = options.log;
    this.offsetOf = options.offsetOf;
    this.keepFolder = options.keepFolder;
    this.#children = new ChildProcesses(options.folder);
  }

  async run(signal: AbortSignal): Promise<SoakOutcome> {
    const { settings } = this;
    await this.#startParts(signal);
    const random = createRandom(settings.seed);
    const automaton = new AutomatonPool(this.#nodes, random.fork("automaton"));
    this.#automaton = automaton;
    const workload = new ChainWorkload(
      automaton,
      random.fork("workload"),
      { ...settings.workload, idPrefix: `chain-${settings.seed}` },
      this.log,
    );
    const plan = planFaults(random.fork("faults"), {
      phaseMs: settings.phaseMs,
      leaseDurationMs: settings.leaseDurationMs,
      nodeCount: settings.nodeCount,
      warmupMs: FAULT_WARMUP_MS,
      quietTailMs: FAULT_QUIET_TAIL_MS,
      gapMsMin: settings.faultGapMsMin,
      gapMsMax: settings.faultGapMsMax,
    });
    const injector = new FaultInjector(
      {
        nodes: this.#nodes,
        postgres: this.#postgres as PostgresCluster,
        database: DATABASE,
        nats: this.#nats as NatsServer,
        processor: this.#processor as ProcessorLink,
      },
      this.log,
    );
    this.log(`${plan.length} faults planned over ${settings.phaseMs / 1000} s; workload and faults start`);
    const sampler = setInterval(
      () => void Promise.all(this.#nodes.map((node) => node.sampleRss())),
      RSS_SAMPLE_MS,
    );
    try {
      const phaseStartMs = Date.now();
      await Promise.all([
        workload.run(phaseStartMs + settings.phaseMs, signal),
        injector.run(plan, phaseStartMs, signal),
      ]);
      this.log("fault phase over: healing every fault");
      await injector.settle();
      this.log(`draining: waiting for every machine to finish (at most ${settings.drainWaitMs / 1000} s)`);
      const drained = await workload.drain(Date.now() + settings.drainWaitMs, signal);
      throwIfAborted(signal);
      return await this.#judge({ plan, injector, workload, drained });
    } finally {
      clearInterval(sampler);
    }
  }

  async #startParts(signal: AbortSignal): Promise<void> {
    const { settings } = this;
    await handFolderToPostgres(this.folder);
    const postgres = await PostgresCluster.create(this.folder, await freePort());
    this.#postgres = postgres;
    await postgres.start();
    await postgres.createDatabase(DATABASE);
    throwIfAborted(signal);
    this.#nats = new NatsServer(this.#children, this.folder, await freePort());
    await this.#nats.start();
    this.#processor = await ProcessorLink.start(this.#children, {
      seed: settings.seed,
      workMs: settings.workMs,
    });
    const processor = this.#processor;
    this.#nodes = await createNodes(
      this.#children,
      this.folder,
      {
        postgresUrl: postgres.url(DATABASE),
        natsUrl: this.#nats.url,
        processorUrlFor: (node) => processor.urlFor(node),
        leaseDurationMs: settings.leaseDurationMs,
      },
      settings.nodeCount,
    );
    // One after another: the first migrates the schema, the others find it ready.
    for (const node of this.#nodes) {
      throwIfAborted(signal);
      await node.start();
    }
    this.log(
      `up: PostgreSQL on port ${postgres.port}, nats-server on port ${this.#nats.port}, processor on port ${processor.port}, ${this.#nodes.map((node) => `${node.name} on port ${node.port}`).join(", ")}`,
    );
  }

  async #judge(phase: {
    plan: readonly PlannedFault[];
    injector: FaultInjector;
    workload: ChainWorkload;
    drained: boolean;
  }): Promise<SoakOutcome> {
    const automaton = this.#automaton as AutomatonPool;
    const machines = [...phase.workload.machines.values()];
    this.log(`reading ${machines.length} histories, the processor's records and the NATS stream`);
    const histories = await readHistories(
      automaton,
      machines.map((machine) => machine.id),
    );
    let stepsCommitted = 0;
    for (const history of histories.values())
      if (typeof history !== "string") stepsCommitted += history.events.length;
    const processor = await (this.#processor as ProcessorLink).report();
    const published = await readStream({
      url: (this.#nats as NatsServer).url,
      stream: NATS_STREAM,
      expectedAtLeast: stepsCommitted,
      waitMs: this.settings.streamWaitMs,
    });
    const { results, sinkDuplicates } = runChecks({
      machines,
      histories,
      processor,
      published,
      nodes: this.#nodes,
      rssBoundKib: this.settings.rssBoundKib,
      faults: phase.injector.history,
      faultErrors: phase.injector.errors,
      offsetOf: (epochMs) => this.offsetOf(epochMs),
    });
    return {
      ...phase,
      results,
      processor,
      nodes: this.#nodes,
      stepsCommitted,
      streamMessages: published.length,
      sinkDuplicates,
    };
  }

  async tearDown(): Promise<void> {
    if (this.#tornDown) return;
    this.#automaton?.close();
    await Promise.all(this.#nodes.map((node) => node.shutDown()));
    await this.#processor?.stop();
    await this.#nats?.stop();
    await this.#postgres?.stop().catch(() => this.#postgres?.stopNow());
    this.#children.killAllNow();
    this.#tornDown = true;
    if (this.keepFolder) this.log(`kept ${this.folder} (logs, configurations, data)`);
    else await rm(this.folder, { recursive: true, force: true });
  }

  tearDownNow(): void {
    if (this.#tornDown) return;
    this.#tornDown = true;
    this.#children.killAllNow();
    this.#postgres?.stopNow();
    if (!this.keepFolder) rmSync(this.folder, { recursive: true, force: true });
  }
}

/** The soak was asked to stop (SIGINT, SIGTERM) before it could judge. */
export class SoakInterruptedError extends Error {
  constructor() {
    super("interrupted before the checks");
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new SoakInterruptedError();
}
