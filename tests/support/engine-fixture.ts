/** A real engine on a real SQLite database (in memory unless a path is given), torn down after each test. */
import { randomUUID } from "node:crypto";
import { Engine } from "../../src/engine/engine.js";
import type { FaultPoints } from "../../src/engine/fault-points.js";
import type { NamespaceOptions } from "../../src/engine/namespace.js";
import { SystemClock } from "../../src/runtime/system-clock.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import type { Storage } from "../../src/storage/storage.js";

export interface EngineFixture {
  readonly engine: Engine;
  readonly storage: Storage;
  readonly clock: SystemClock;
  close(): Promise<void>;
}

export function createTestEngine(options: {
  namespaces: NamespaceOptions[];
  path?: string;
  storage?: Storage;
  leaseDurationMs?: number;
  leaseWarmMs?: number;
  faults?: FaultPoints;
  owner?: string;
  /** Errors no caller received (scheduled steps' failures); kept in a list when absent. */
  onError?: (error: unknown) => void;
}): EngineFixture {
  const clock = new SystemClock();
  const storage =
    options.storage ?? new SqliteStorage({ path: options.path ?? ":memory:", nowUs: () => clock.nowUs() });
  const errors: unknown[] = [];
  const engine = new Engine({
    storage,
    clock,
    random: Math.random,
    newId: randomUUID,
    owner: options.owner ?? `test-${randomUUID()}`,
    namespaces: options.namespaces,
    defer: setImmediate,
    pollIntervalMs: 200,
    ...(options.leaseDurationMs === undefined ? {} : { leaseDurationMs: options.leaseDurationMs }),
    ...(options.leaseWarmMs === undefined ? {} : { leaseWarmMs: options.leaseWarmMs }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
    onError: (error) => (options.onError ?? ((seen) => errors.push(seen)))(error),
  });
  return {
    engine,
    storage,
    clock,
    async close() {
      await engine.close({ drainTimeoutMs: 2000 });
      if (options.storage === undefined) await storage.close();
    },
  };
}
