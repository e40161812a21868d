/**
 * An MG Processor over real HTTP that watches for overlapping invocations: two calls for one machine in flight at
 * the processor at once is an overlap, counted with both machines' ids. Each machine chains `steps` timer steps,
 * one event each. The first attempt of step `slowStep` is slower than a lease, but, like a processor that honours
 * `woody.deadline`, it stops at the deadline and answers nothing useful (a woody "result unknown").
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { decodeValue, encodeValue } from "../../src/mg/msgpack/msgpack-value.js";
import { type base, MG_SCHEMA, stateProcessing } from "../../src/mg/thrift/generated/index.js";
import type { WoodyContext } from "../../src/mg/woody/context.js";
import { WoodySystemError } from "../../src/mg/woody/errors.js";
import { createWoodyService } from "../../src/mg/woody/service-router.js";

export interface OverlapProcessor {
  readonly url: string;
  /** Machines seen with two invocations in flight at once. */
  readonly overlaps: string[];
  /** Resolves when the slow attempt has started; with the machine id. */
  readonly slowAttemptStarted: Promise<string>;
  /** How the slow attempt ended: "deadline" when it stopped at the deadline, "finished" when it ran its course. */
  slowAttemptEnd(): "deadline" | "finished" | undefined;
  close(): Promise<void>;
}

const nowUs = () => Date.now() * 1000;
const stepOf = (machine: stateProcessing.Machine): number => {
  const data = machine.aux_state?.data;
  return data !== undefined && "i" in data && data.i !== undefined ? Number(data.i) : 0;
};

/** After init the timer is a second away (MG's timers count whole seconds), so the starting node does not run
 * the steps itself. */
function timerAfter(seconds: number): base.Timer {
  return { timeout: seconds };
}

export async function startOverlapProcessor(options: {
  steps: number;
  slowStep: number;
  slowMs: number;
}): Promise<OverlapProcessor> {
  const inFlight = new Map<string, number>();
  const overlaps: string[] = [];
  let slowDone = false;
  let slowEnd: "deadline" | "finished" | undefined;
  let startedSlow: (id: string) => void = () => {};
  const slowAttemptStarted = new Promise<string>((resolve) => {
    startedSlow = resolve;
  });
  const step = async (machine: stateProcessing.Machine, context: WoodyContext) => {
    const next = stepOf(machine) + 1;
    if (next === options.slowStep && !slowDone) {
      slowDone = true;
      startedSlow(machine.id);
      const finishesAtUs = nowUs() + options.slowMs * 1000;
      const deadlineUs = context.deadlineUs ?? Number.POSITIVE_INFINITY;
      await sleep(Math.max(0, (Math.min(finishesAtUs, deadlineUs) - nowUs()) / 1000));
      slowEnd = deadlineUs < finishesAtUs ? "deadline" : "finished";
      if (slowEnd === "deadline")
        throw new WoodySystemError("result unknown", "internal", "deadline reached");
    }
    return {
      change: {
        events: [{ data: { i: BigInt(next) } }],
        aux_state: { data: { i: BigInt(next) } },
      },
      action: {
        timer:
          next < options.steps
            ? { set_timer: { timer: timerAfter(next === 1 ? 1 : 0) } }
            : { unset_timer: {} },
      },
    };
  };
  const guarded = async <T>(machine: stateProcessing.Machine, run: () => Promise<T>): Promise<T> => {
    const running = inFlight.get(machine.id) ?? 0;
    if (running > 0) overlaps.push(machine.id);
    inFlight.set(machine.id, running + 1);
    try {
      return await run();
    } finally {
      inFlight.set(machine.id, (inFlight.get(machine.id) ?? 1) - 1);
    }
  };
  const service = createWoodyService<stateProcessing.ProcessorMethods>({
    schema: MG_SCHEMA,
    service: stateProcessing.SERVICE.Processor,
    nowUs,
    handlers: {
      ProcessSignal: ({ a }, context) => guarded(a.machine, () => step(a.machine, context)),
      ProcessCall: ({ a }) => guarded(a.machine, async () => ({ response: a.arg, change: {}, action: {} })),
      ProcessRepair: ({ a }) => guarded(a.machine, async () => ({ response: a.arg, change: {}, action: {} })),
    },
  });
  const server = http.createServer((request, response) => void service(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/stateproc/woody`,
    overlaps,
    slowAttemptStarted,
    slowAttemptEnd: () => slowEnd,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The step a machine's aux state records (for the test's checks). */
export function stepOfAux(data: Uint8Array): number {
  const value = decodeValue(data);
  return "i" in value && value.i !== undefined ? Number(value.i) : 0;
}

export { encodeValue };
