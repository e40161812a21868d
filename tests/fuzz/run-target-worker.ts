/**
 * The worker side of run-target.ts: opens one target, runs fast-check on it, posts the result. Every case bumps
 * the shared counter first, so the parent sees progress, and checks after it that no large buffer was allocated.
 */
import { parentPort, workerData } from "node:worker_threads";
import fc from "fast-check";
import type { FuzzSession, FuzzTarget } from "./fuzz-target.js";
import { PropertyViolation } from "./fuzz-target.js";
import type { FailureReport, RunOptions, WorkerResult } from "./run-target.js";
import { PROGRESS_SLOT } from "./run-target.js";

/**
 * ArrayBuffer memory a case may leave allocated. A length prefix believed before it is checked against the body
 * allocates its claim (up to 2 GiB) at once; garbage of ordinary cases stays far below, as V8 collects it early.
 */
const ARRAY_BUFFER_BYTES_MAX = 256 * 1024 * 1024;
const COUNTEREXAMPLE_CHARACTERS_MAX = 4000;
/**
 * How long shrinking may go on after the first failure. Past it every further candidate passes, so fast-check
 * settles on the smallest failing input found so far (its path still replays the failure).
 */
const SHRINK_MS_MAX = 30_000;

const options = workerData as RunOptions & { readonly progress: SharedArrayBuffer };
const progress = new Int32Array(options.progress);

function checkMemory(): void {
  const { arrayBuffers } = process.memoryUsage();
  if (arrayBuffers > ARRAY_BUFFER_BYTES_MAX) {
    throw new PropertyViolation(`${arrayBuffers} bytes of ArrayBuffers are allocated after one case`);
  }
}

let firstFailureAt: number | undefined;

/** False once shrinking has had its time: the case is then passed without a check. */
function started(): boolean {
  if (firstFailureAt !== undefined && performance.now() - firstFailureAt > SHRINK_MS_MAX) return false;
  Atomics.add(progress, PROGRESS_SLOT.STARTED, 1);
  return true;
}

function finished(): void {
  Atomics.add(progress, PROGRESS_SLOT.FINISHED, 1);
}

function failed(error: unknown): never {
  firstFailureAt ??= performance.now();
  Atomics.store(progress, PROGRESS_SLOT.FAILED_ONCE, 1);
  throw error;
}

function propertyOf(target: FuzzTarget, session: FuzzSession<unknown>) {
  if (session.kind === "sync") {
    return fc.property(target.arbitrary, (input) => {
      if (!started()) return;
      try {
        session.check(input);
        checkMemory();
      } catch (error) {
        failed(error);
      } finally {
        finished();
      }
    });
  }
  return fc.asyncProperty(target.arbitrary, async (input) => {
    if (!started()) return;
    try {
      await session.check(input);
      checkMemory();
    } catch (error) {
      failed(error);
    } finally {
      finished();
    }
  });
}

async function run(): Promise<WorkerResult> {
  const registry = (await import(options.targetsModule ?? new URL("./targets.js", import.meta.url).href)) as {
    targetNamed(name: string): FuzzTarget;
  };
  const target = registry.targetNamed(options.target);
  const session = await target.open();
  try {
    const parameters = {
      numRuns: options.cases,
      seed: options.seed,
      ...(options.path !== undefined && { path: options.path, endOnFailure: true }),
      plugins: options.seconds === undefined ? [] : [fc.interruptAfterTimeLimit(options.seconds * 1000)],
    };
    const property = propertyOf(target, session);
    const details = await fc.check(property as fc.IAsyncProperty<[unknown]>, parameters);
    if (!details.failed) {
      return { casesRun: details.numRuns, stoppedBy: details.interrupted ? "time" : "cases" };
    }
    const error = details.errorInstance;
    const failure: FailureReport = {
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      ...(details.counterexamplePath !== null && { path: details.counterexamplePath }),
      counterexample: fc.stringify(details.counterexample).slice(0, COUNTEREXAMPLE_CHARACTERS_MAX),
      shrinks: details.numShrinks,
    };
    return { casesRun: details.numRuns, stoppedBy: "failure", failure };
  } finally {
    await session.close?.();
  }
}

parentPort?.postMessage(await run());
