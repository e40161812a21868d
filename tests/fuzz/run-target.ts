/**
 * Runs one fuzz target in a worker thread, so that a case which never returns (a hang) or eats the heap is caught
 * from outside: the worker counts started cases in shared memory, and the watch here stops it when the count
 * stands still for `hangSeconds`. Every report names the seed, and a failure the path that replays it exactly.
 */
import { Worker } from "node:worker_threads";

/** A case that runs this long is a hang: real inputs here decode in microseconds, a server round trip in ms. */
export const HANG_SECONDS_DEFAULT = 20;
/** The worker's old-generation heap; a decoder that allocates by a claimed length runs out of it. */
const WORKER_HEAP_MB_MAX = 512;
const WATCH_INTERVAL_MS = 250;

export interface RunOptions {
  readonly target: string;
  /** Stop after this many cases. */
  readonly cases: number;
  /** Stop after this long, whichever comes first; no time limit when absent. */
  readonly seconds?: number;
  readonly seed: number;
  /** Replays one case (fast-check's counterexample path) instead of generating new ones. */
  readonly path?: string;
  readonly hangSeconds?: number;
  /** The module whose `targetNamed` the worker asks for the target; targets.ts when absent. */
  readonly targetsModule?: string;
}

export interface TargetReport {
  readonly target: string;
  readonly casesRun: number;
  readonly elapsedMs: number;
  readonly seed: number;
  readonly stoppedBy: "cases" | "time" | "failure" | "hang" | "crash";
  readonly failure?: FailureReport;
}

export interface FailureReport {
  readonly message: string;
  /** Replays the failing case with the same seed; absent when the failure came while shrinking. */
  readonly path?: string;
  readonly counterexample?: string;
  readonly shrinks?: number;
}

/** What the worker posts when fast-check has finished. */
export interface WorkerResult {
  readonly casesRun: number;
  readonly stoppedBy: "cases" | "time" | "failure";
  readonly failure?: FailureReport;
}

/** Slots of the shared progress counters: cases whose check began, whose check ended, and whether one failed. */
export const PROGRESS_SLOT = Object.freeze({ STARTED: 0, FINISHED: 1, FAILED_ONCE: 2 });

export function runTarget(options: RunOptions): Promise<TargetReport> {
  const progressBuffer = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
  const progress = new Int32Array(progressBuffer);
  const startedAt = performance.now();
  const worker = new Worker(new URL("./run-target-worker.js", import.meta.url), {
    workerData: { ...options, progress: progressBuffer },
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB_MAX },
  });
  return new Promise<TargetReport>((resolve) => {
    let settled = false;
    const report = (fields: Omit<TargetReport, "target" | "seed" | "elapsedMs">) => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      void worker.terminate();
      resolve({
        target: options.target,
        seed: options.seed,
        elapsedMs: performance.now() - startedAt,
        ...fields,
      });
    };
    /**
     * The case in flight as a replay path: the one being checked, or, between checks, the one being generated.
     * None once a case has failed, as shrinking has no stable path.
     */
    const pathInFlight = (): { path?: string } => {
      if (Atomics.load(progress, PROGRESS_SLOT.FAILED_ONCE) !== 0) return {};
      const started = Atomics.load(progress, PROGRESS_SLOT.STARTED);
      const finished = Atomics.load(progress, PROGRESS_SLOT.FINISHED);
      return { path: String(started > finished ? started - 1 : started) };
    };
    const stop = (stoppedBy: "hang" | "crash", message: string) =>
      report({
        casesRun: Atomics.load(progress, PROGRESS_SLOT.FINISHED),
        stoppedBy,
        failure: { message, ...pathInFlight() },
      });
    const hangMs = (options.hangSeconds ?? HANG_SECONDS_DEFAULT) * 1000;
    let lastSteps = -1;
    let lastChangeAt = performance.now();
    const watch = setInterval(() => {
      const steps =
        Atomics.load(progress, PROGRESS_SLOT.STARTED) + Atomics.load(progress, PROGRESS_SLOT.FINISHED);
      const now = performance.now();
      if (steps !== lastSteps) {
        lastSteps = steps;
        lastChangeAt = now;
      } else if (now - lastChangeAt > hangMs) {
        const finished = Atomics.load(progress, PROGRESS_SLOT.FINISHED);
        stop("hang", `no case finished within ${hangMs / 1000} s after case ${finished}`);
      }
    }, WATCH_INTERVAL_MS);
    worker.on("message", (result: WorkerResult) => report(result));
    worker.on("error", (error) => stop("crash", `the worker died: ${error.stack ?? error.message}`));
    worker.on("exit", (code) => stop("crash", `the worker exited with code ${code} before reporting`));
  });
}

/** The command that replays a failure exactly. */
export function replayCommand(report: TargetReport): string {
  const path = report.failure?.path === undefined ? "" : ` --path ${report.failure.path}`;
  return `npm run fuzz -- --target ${report.target} --seed ${report.seed}${path}`;
}

/** A report as the test runner and `npm run fuzz` print a failure. */
export function describeFailure(report: TargetReport): string {
  const failure = report.failure;
  if (failure === undefined) return `${report.target} passed`;
  const lines = [
    `${report.target} failed (${report.stoppedBy}) after ${report.casesRun} cases, seed ${report.seed}`,
    failure.message,
  ];
  if (failure.counterexample !== undefined) lines.push(`counterexample: ${failure.counterexample}`);
  lines.push(`replay: ${replayCommand(report)}`);
  return lines.join("\n");
}
