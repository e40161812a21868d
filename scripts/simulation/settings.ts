/**
 * What a seed decides before the run: how many nodes, machines and clients, the lease, the history cache, how
 * often each fault strikes (some seeds run nearly clean, some under heavy faults), which node serves which
 * namespace; and the namespaces' retry policies, which the model knows too.
 */
import type { RetryPolicy } from "../../src/core/retry-policy.js";
import type { Random } from "../chaos/random.js";
import type { NamespacePolicies } from "./ledger.js";
import type { ProcessorFaultRates } from "./processor.js";
import type { StorageFaultRates } from "./storage-faults.js";

export interface SimulationSettings {
  readonly nodeCount: number;
  /** The namespaces each node serves, by node index. */
  readonly served: readonly (readonly string[])[];
  readonly machines: readonly { readonly namespace: string; readonly id: string }[];
  readonly clientCount: number;
  readonly operationsPerClient: number;
  readonly leaseDurationMs: number;
  readonly historyCacheBytesMax: number;
  readonly faultLevel: number;
  /** Nodes restarted while the clients work (a fresh engine with a new owner each time). */
  readonly restarts: number;
  readonly storageRates: StorageFaultRates;
  readonly processorRates: ProcessorFaultRates;
}

export const NAMESPACES = ["alpha", "beta"] as const;

/** Each namespace retries its own way, so the model's policy arithmetic meets every kind of backoff. */
export const POLICIES: ReadonlyMap<string, NamespacePolicies> = new Map<string, NamespacePolicies>([
  [
    "alpha",
    {
      timerRetry: { backoff: { kind: "intervals", intervalsMs: [10, 40, 90] } },
      notificationRetry: {
        backoff: { kind: "exponential", initialIntervalMs: 20, factor: 2 },
        maxAttempts: 3,
      },
    },
  ],
  [
    "beta",
    {
      timerRetry: {
        backoff: { kind: "exponential", initialIntervalMs: 15, factor: 3 },
        maxAttempts: 2,
        jitter: 0.5,
      } satisfies RetryPolicy,
      notificationRetry: {
        backoff: { kind: "linear", initialIntervalMs: 30, incrementMs: 10 },
        maxAttempts: 4,
        jitter: 0.3,
      },
    },
  ],
]);

/** The namespaces' deadlines: shorter than MG's, so runs stay short, yet longer than most leases. */
export const TIMEOUTS_MS = Object.freeze({ request: 2000, timer: 1500, notification: 800 });
export const POLL_INTERVAL_MS = 200;

/** The chance of each fault per call at fault level 1. */
const STORAGE_RATES: StorageFaultRates = {
  commitRefused: 0.02,
  commitLostBeforeCommit: 0.02,
  commitLostAfterCommit: 0.03,
  renewFails: 0.05,
  renewReportsLost: 0.03,
  claimFails: 0.03,
  claimLostAfter: 0.02,
  acquireFails: 0.02,
  acquireLostAfter: 0.02,
  releaseFails: 0.03,
  insertFails: 0.03,
  insertLostAfter: 0.03,
  readFails: 0.02,
  freeze: 0.002,
  stepPause: 0.02,
  latency: 0.1,
  latencyMsMax: 5,
};

const PROCESSOR_RATES: ProcessorFaultRates = {
  transient: 0.05,
  timeout: 0.02,
  slow: 0.03,
  fatal: 0.03,
  invalid: 0.02,
  poison: 0.02,
};

export function settingsOf(random: Random): SimulationSettings {
  const nodeCount = random.pick([1, 2, 2, 2, 3]);
  const faultLevel = random.pick([0, 0.5, 1, 1, 2, 3]);
  const machineCount = random.integer(2, 8);
  const machines = Array.from({ length: machineCount }, (_, index) => ({
    namespace: NAMESPACES[index % NAMESPACES.length] as string,
    id: `m${index + 1}`,
  }));
  // Now and then the last node serves one namespace only, as in a rolling deploy that adds one.
  const narrowLast = nodeCount > 1 && random.next() < 0.3;
  const served = Array.from({ length: nodeCount }, (_, index) =>
    narrowLast && index === nodeCount - 1 ? [NAMESPACES[0]] : [...NAMESPACES],
  );
  return {
    nodeCount,
    served,
    machines,
    clientCount: random.integer(3, 8),
    operationsPerClient: random.integer(12, 30),
    leaseDurationMs: random.pick([400, 1000, 1000]),
    historyCacheBytesMax: random.pick([0, 2000, 64 * 1024 * 1024]),
    faultLevel,
    restarts: faultLevel === 0 ? 0 : random.integer(0, 2),
    storageRates: scaled(STORAGE_RATES, faultLevel, ["latency", "latencyMsMax"]),
    processorRates: scaled(PROCESSOR_RATES, faultLevel, []),
  };
}

function scaled<T extends object>(rates: T, level: number, fixed: readonly (keyof T)[]): T {
  return Object.fromEntries(
    Object.entries(rates).map(([name, rate]) => [
      name,
      fixed.includes(name as keyof T) ? rate : Math.min(1, (rate as number) * level),
    ]),
  ) as T;
}
