/**
 * The processor of the cluster tests: each machine runs `target` timer steps, one event per step recording the
 * step number and the process that ran it, `delayMs` apart. Step `slowStep` sleeps `slowMs` first, so a test can
 * freeze or kill the node in the middle of it. The expected final state is known: events 1..target, step k in
 * event k, aux state at step = target, no timer.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { NamespaceOptions } from "../../src/engine/namespace.js";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import { pack, unpack } from "../../src/processors/payload.js";

export const CHAIN_NAMESPACE = "chain";

export interface ChainPlan {
  readonly target: number;
  readonly delayMs: number;
  readonly slowStep?: number;
  readonly slowMs?: number;
}

export interface ChainEvent {
  readonly step: number;
  readonly pid: number;
}

type ChainState = ChainPlan & { readonly step: number };

function stepResult(state: ChainState) {
  return {
    events: [{ data: chainPayload({ step: state.step, pid: process.pid } satisfies ChainEvent) }],
    auxState: { data: chainPayload(state) },
    timer: state.step < state.target ? timer.after(state.delayMs) : timer.unset(),
  };
}

/** Payloads are msgpack values (as every sink expects); JSON-shaped so tests can read them back. */
export const chainPayload = (value: object): Uint8Array => pack(JSON.parse(JSON.stringify(value)));
export const readChainPayload = <T>(bytes: Uint8Array): T => unpack(bytes) as unknown as T;

export function chainNamespace(
  onSlowStep?: (machineId: string) => void,
  sinks: { eventSinks?: string[] } = {},
): NamespaceOptions {
  const processor = localProcessor({
    init: ({ args }) => stepResult({ ...readChainPayload<ChainPlan>(args), step: 1 }),
    timer: async ({ machine }) => {
      const previous = readChainPayload<ChainState>(machine.auxState.data);
      const next = { ...previous, step: previous.step + 1 };
      if (next.step === next.slowStep) {
        onSlowStep?.(machine.id);
        await sleep(next.slowMs ?? 0);
      }
      return stepResult(next);
    },
  });
  return {
    name: CHAIN_NAMESPACE,
    processor,
    timerProcessingTimeoutMs: 60_000,
    timerRetryPolicy: { backoff: { kind: "linear", initialIntervalMs: 20, incrementMs: 0 } },
    ...sinks,
  };
}
