/**
 * Deletes idempotency keys older than their retention, off the hot path: a timer of the composition root wakes
 * every tenth of the retention (at most every minute) and deletes the expired keys in bounded batches, oldest
 * first. A key outlives its retention by at most one interval.
 */
import { IDEMPOTENCY_DEFAULTS } from "../core/limits.js";
import { MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import type { MachineStore } from "../storage/machine-store.js";

/** Batches per wake: a backlog larger than this waits for the next wake rather than holding the storage. */
const PRUNE_BATCHES_PER_WAKE_MAX = 100;

export interface IdempotencyPruner {
  stop(): Promise<void>;
}

export function startIdempotencyPruner(
  storage: Pick<MachineStore, "pruneIdempotencyKeys">,
  options: { retentionMs: number; nowUs: () => number; onError: (error: unknown) => void },
): IdempotencyPruner {
  const intervalMs = Math.max(1, Math.min(options.retentionMs / 10, IDEMPOTENCY_DEFAULTS.pruneIntervalMsMax));
  let running: Promise<void> = Promise.resolve();
  const prune = async () => {
    const createdBeforeUs = options.nowUs() - options.retentionMs * MICROSECONDS_PER_MILLISECOND;
    const limit = IDEMPOTENCY_DEFAULTS.pruneBatchKeysMax;
    for (let batch = 0; batch < PRUNE_BATCHES_PER_WAKE_MAX; batch += 1) {
      if ((await storage.pruneIdempotencyKeys({ createdBeforeUs, limit })) < limit) return;
    }
  };
  const timer = setInterval(() => {
    running = running.then(prune).catch(options.onError);
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
