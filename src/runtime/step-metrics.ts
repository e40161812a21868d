/**
 * The latency histograms and the takeover counter, fed by an engine observer: how long steps, processor calls
 * and group commits take, how many steps a commit carries, how late timers fire. Each observation is one
 * `observe` on prom-client's histogram, which hashes the label set it is given: a step costs its watch, the label
 * objects it passes and a hash per observation.
 */
import { Counter, Histogram, type Registry } from "prom-client";
import type {
  CommitFlush,
  EngineObserver,
  ProcessorAnswer,
  StepEnd,
  StepStart,
  StepWatch,
} from "../engine/engine-observer.js";
import type { EngineObservers } from "./engine-observers.js";

const SECONDS_PER_MICROSECOND = 1e-6;

/** Steps are milliseconds on the hot path and up to a processor's deadline (tens of seconds) at worst. */
const DURATION_BUCKETS_SECONDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
/** A commit carries up to ENGINE_LIMITS.commitBatchStepsMax (256) steps. */
const BATCH_STEPS_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];
/** Timers fire within milliseconds when this node holds the machine, within a poll interval (1 s) otherwise. */
const LATENESS_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export interface StepMetrics {
  readonly stepDuration: Histogram<"namespace" | "kind" | "outcome">;
  readonly processorCallDuration: Histogram<"namespace" | "endpoint" | "outcome">;
  readonly commitBatchSteps: Histogram;
  readonly commitDuration: Histogram;
  readonly timerLateness: Histogram<"namespace">;
  readonly leaseTakeovers: Counter<"namespace">;
}

/** Registers the histograms in `registry` and feeds them from the node's engine. */
export function registerStepMetrics(registry: Registry, node: { readonly observers: EngineObservers }): void {
  node.observers.add(new StepMetricsObserver(createStepMetrics(registry)));
}

export function createStepMetrics(registry: Registry): StepMetrics {
  const registers = [registry];
  return {
    stepDuration: new Histogram({
      name: "ratchet_step_duration_seconds",
      help: "Steps run by this node, from taking up the work to its end, by namespace, kind and outcome.",
      labelNames: ["namespace", "kind", "outcome"],
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    }),
    processorCallDuration: new Histogram({
      name: "ratchet_processor_call_duration_seconds",
      help: "Processor calls, by namespace, processor (its configured name) and outcome (ok or error).",
      labelNames: ["namespace", "endpoint", "outcome"],
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    }),
    commitBatchSteps: new Histogram({
      name: "ratchet_commit_batch_steps",
      help: "Steps per group-commit transaction.",
      buckets: BATCH_STEPS_BUCKETS,
      registers,
    }),
    commitDuration: new Histogram({
      name: "ratchet_commit_duration_seconds",
      help: "Group-commit transactions, from sending the batch to storage's answer.",
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    }),
    timerLateness: new Histogram({
      name: "ratchet_timer_lateness_seconds",
      help: "How late timer steps start: the instant they are run minus the instant they were due.",
      labelNames: ["namespace"],
      buckets: LATENESS_BUCKETS_SECONDS,
      registers,
    }),
    leaseTakeovers: new Counter({
      name: "ratchet_lease_takeovers_total",
      help: "Machines this node took over from another owner whose lease had expired.",
      labelNames: ["namespace"],
      registers,
    }),
  };
}

class StepMetricsObserver implements EngineObserver {
  constructor(private readonly metrics: StepMetrics) {}

  stepStarted(start: StepStart): StepWatch {
    return new StepMetricsWatch(this.metrics, start);
  }

  timerFired(timer: { namespace: string; dueAtUs: number; firedAtUs: number }): void {
    const latenessUs = Math.max(0, timer.firedAtUs - timer.dueAtUs);
    this.metrics.timerLateness.observe({ namespace: timer.namespace }, latenessUs * SECONDS_PER_MICROSECOND);
  }

  commitFlushed(flush: CommitFlush): void {
    this.metrics.commitBatchSteps.observe(flush.steps);
    this.metrics.commitDuration.observe((flush.endedAtUs - flush.startedAtUs) * SECONDS_PER_MICROSECOND);
  }

  leaseTakenOver(lease: { namespace: string }): void {
    this.metrics.leaseTakeovers.inc({ namespace: lease.namespace });
  }
}

class StepMetricsWatch implements StepWatch {
  #processor = "";
  #calledAtUs = 0;

  constructor(
    private readonly metrics: StepMetrics,
    private readonly start: StepStart,
  ) {}

  processorCalling(processor: string, atUs: number): undefined {
    this.#processor = processor;
    this.#calledAtUs = atUs;
  }

  processorAnswered(answer: ProcessorAnswer): void {
    const labels = { namespace: this.start.namespace, endpoint: this.#processor, outcome: answer.outcome };
    this.metrics.processorCallDuration.observe(
      labels,
      (answer.endedAtUs - this.#calledAtUs) * SECONDS_PER_MICROSECOND,
    );
  }

  committing(): void {}

  committed(): void {}

  stepEnded(end: StepEnd): void {
    const { start } = this;
    const labels = { namespace: start.namespace, kind: start.kind, outcome: end.outcome };
    this.metrics.stepDuration.observe(labels, (end.endedAtUs - start.startedAtUs) * SECONDS_PER_MICROSECOND);
  }
}
