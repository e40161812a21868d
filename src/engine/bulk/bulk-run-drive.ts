/**
 * Drives one bulk run this node has claimed: walks the run's search in machine id order after its cursor, one
 * machine at a time, each after a token of the run's bucket; notes the machine before acting and records its
 * outcome with the cursor after, both fenced by the run's lease. A heartbeat renews the lease while the run waits
 * or acts, and hears a cancel. A machine the previous holder began and never recorded is recorded as
 * BULK_RESULT_UNKNOWN, not acted on again: every machine is acted on at most once.
 *
 * Ends: done (the walk found no more machines), cancelled, stopping (this node stops: the run is released for any
 * node to take at once), lost (another node took the run over: nothing more is written).
 */
import { BULK_RESULT_UNKNOWN } from "../../core/bulk.js";
import { BulkRunLeaseLostError } from "../../core/errors.js";
import type { MachineRecord } from "../../core/machine.js";
import type { Clock } from "../../core/time.js";
import { MICROSECONDS_PER_MILLISECOND } from "../../core/time.js";
import { TokenBucket } from "../../core/token-bucket.js";
import type { BulkRun, BulkRunLease, BulkStore } from "../../storage/bulk-store.js";
import type { OperatorQueries } from "../../storage/operator-queries.js";
import type { EngineApi } from "../engine-api.js";
import { actOnMachine } from "./bulk-action.js";

export interface BulkDriveContext {
  readonly engine: EngineApi;
  readonly store: BulkStore;
  readonly queries: OperatorQueries;
  readonly clock: Clock;
  readonly leaseDurationMs: number;
  readonly pageMachines: number;
  /** Aborted when this node stops. */
  readonly stopping: AbortSignal;
  readonly onError: (error: unknown, context: object) => void;
}

type Ending = "done" | "cancelled" | "stopping" | "lost";

export async function driveBulkRun(
  context: BulkDriveContext,
  run: BulkRun,
  lease: BulkRunLease,
): Promise<void> {
  const held = new AbortController();
  const state = { ending: null as Ending | null };
  const end = (ending: Ending) => {
    state.ending ??= ending;
    held.abort();
  };
  const onStop = () => end("stopping");
  context.stopping.addEventListener("abort", onStop, { once: true });
  if (context.stopping.aborted) end("stopping");
  const heartbeat = keepLease(context, lease, held.signal, end);
  try {
    await walk(context, run, lease, { signal: held.signal, end });
  } catch (error) {
    if (!(error instanceof BulkRunLeaseLostError)) context.onError(error, { in: `bulk run ${run.id}` });
    // Lost, or storage failed: the lease runs out and a node takes the run over where its records end.
    end("lost");
  } finally {
    context.stopping.removeEventListener("abort", onStop);
    held.abort();
    await heartbeat;
  }
  await release(context, lease, state.ending ?? "lost");
}

async function release(context: BulkDriveContext, lease: BulkRunLease, ending: Ending): Promise<void> {
  if (ending === "lost") return;
  try {
    const done = ending === "done";
    await context.store.releaseBulkRun(lease, { done, nowUs: context.clock.nowUs() });
  } catch (error) {
    if (!(error instanceof BulkRunLeaseLostError)) context.onError(error, { in: `bulk run ${lease.runId}` });
  }
}

/** Renews the lease every third of its duration until `signal` aborts; a cancel or a loss ends the run. */
async function keepLease(
  context: BulkDriveContext,
  lease: BulkRunLease,
  signal: AbortSignal,
  end: (ending: Ending) => void,
): Promise<void> {
  const intervalUs = (context.leaseDurationMs * MICROSECONDS_PER_MILLISECOND) / 3;
  while (!signal.aborted) {
    await context.clock.waitUntil(context.clock.nowUs() + intervalUs, signal);
    if (signal.aborted) return;
    try {
      const status = await context.store.renewBulkRun(lease, untilUs(context));
      if (status !== "running") end("cancelled");
    } catch (error) {
      if (!(error instanceof BulkRunLeaseLostError))
        context.onError(error, { in: `bulk run ${lease.runId}` });
      end("lost");
    }
  }
}

function untilUs(context: BulkDriveContext): number {
  return context.clock.nowUs() + context.leaseDurationMs * MICROSECONDS_PER_MILLISECOND;
}

interface Walk {
  readonly signal: AbortSignal;
  readonly end: (ending: Ending) => void;
}

async function walk(
  context: BulkDriveContext,
  run: BulkRun,
  lease: BulkRunLease,
  walking: Walk,
): Promise<void> {
  let cursor = await settleInFlight(context, run, lease);
  const bucket = new TokenBucket({ ratePerSecond: run.ratePerSecond, capacity: 1, nowMs: nowMs(context) });
  for (;;) {
    if (walking.signal.aborted) return;
    const page = await context.queries.searchMachines(run.namespace, {
      ...run.filter,
      ...(cursor === null ? {} : { afterId: cursor }),
      limit: context.pageMachines,
    });
    if (page.length === 0) return walking.end("done");
    for (const machine of page) {
      if (!(await paced(context, bucket, walking.signal))) return;
      if (!(await actAndRecord(context, { run, lease, machine, walking }))) return;
      cursor = machine.id;
    }
  }
}

/** The previous holder's machine in flight, recorded as result unknown; returns the cursor to walk from. */
async function settleInFlight(context: BulkDriveContext, run: BulkRun, lease: BulkRunLease) {
  const inFlight = run.inFlightMachineId;
  if (inFlight === null || (run.cursor !== null && inFlight <= run.cursor)) return run.cursor;
  const outcome = {
    machineId: inFlight,
    outcome: "failed" as const,
    errorCode: BULK_RESULT_UNKNOWN,
    detail:
      "the node driving the run stopped while acting on this machine: read the machine to see whether the action took effect",
    atUs: context.clock.nowUs(),
  };
  await context.store.recordBulkOutcome(lease, { outcome, untilUs: untilUs(context) });
  return inFlight;
}

function nowMs(context: BulkDriveContext): number {
  return context.clock.nowUs() / MICROSECONDS_PER_MILLISECOND;
}

/** Waits for a token; false when the run ended while it waited. */
async function paced(context: BulkDriveContext, bucket: TokenBucket, signal: AbortSignal): Promise<boolean> {
  for (let delayMs = bucket.take(nowMs(context)); delayMs > 0; delayMs = bucket.take(nowMs(context))) {
    await context.clock.waitUntil(context.clock.nowUs() + delayMs * MICROSECONDS_PER_MILLISECOND, signal);
    if (signal.aborted) return false;
  }
  return !signal.aborted;
}

/** Notes the machine, acts, records; false when the run is not to go on (cancelled before this machine). */
async function actAndRecord(
  context: BulkDriveContext,
  step: { run: BulkRun; lease: BulkRunLease; machine: MachineRecord; walking: Walk },
): Promise<boolean> {
  const { run, lease, machine } = step;
  const status = await context.store.beginBulkMachine(lease, {
    machineId: machine.id,
    untilUs: untilUs(context),
  });
  if (status !== "running") {
    step.walking.end("cancelled");
    return false;
  }
  const target = {
    namespace: run.namespace,
    machineId: machine.id,
    action: run.action,
    args: run.args,
    actor: run.actor,
  };
  const { outcome, unexpected } = await actOnMachine(context.engine, target, () => context.clock.nowUs());
  if (unexpected !== undefined)
    context.onError(unexpected, { in: `bulk run ${run.id}`, machineId: machine.id });
  await context.store.recordBulkOutcome(lease, { outcome, untilUs: untilUs(context) });
  return true;
}
