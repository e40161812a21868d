/**
 * A processor for the JSON API's tests, with payloads as msgpack values (what the API reads as natural JSON):
 * init `{amount}` keeps the amount in the aux state and appends a "created" event; calls `{op}` with op get |
 * add (n) | emit (n events) | timer (ms) | sleep (ms) | fail | unavailable | remove; repair `{op}` ok | refuse;
 * notification appends `{notified: args}`. It counts its invocations by kind of step.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { ProcessorUnavailableError, RepairFailedError } from "../../src/core/errors.js";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import { type PlainValue, pack, unpack } from "../../src/processors/payload.js";
import type { MachineView } from "../../src/processors/processor.js";

type Args = { op?: string; n?: number; ms?: number; amount?: number };

export function createApiProcessor() {
  const invocations: string[] = [];
  const amountOf = (machine: MachineView) =>
    (unpack(machine.auxState.data) as { amount?: number } | null)?.amount ?? 0;
  const state = (amount: number) => ({ auxState: { data: pack({ amount }) } });
  const processor = localProcessor({
    init: ({ args, machine }) => {
      invocations.push(`${machine.id}:init`);
      const input = unpack(args) as Args | null;
      return { ...state(input?.amount ?? 0), events: [{ data: pack({ event: "created" }) }] };
    },
    call: async ({ args, machine }) => {
      invocations.push(`${machine.id}:call`);
      const input = (unpack(args) ?? {}) as Args;
      const amount = amountOf(machine);
      switch (input.op) {
        case "get":
          return { response: pack({ amount }) };
        case "add":
          return {
            ...state(amount + (input.n ?? 1)),
            events: [{ data: pack({ added: input.n ?? 1 }) }],
            response: pack(amount + (input.n ?? 1)),
          };
        case "emit":
          return {
            events: Array.from({ length: input.n ?? 1 }, (_, index) => ({ data: pack(index) })),
            response: pack("ok"),
          };
        case "timer":
          return { timer: timer.after(input.ms ?? 0), response: pack("ok") };
        case "sleep":
          await sleep(input.ms ?? 0);
          return { ...state(amount + 1), response: pack("slept") };
        case "unavailable":
          throw new ProcessorUnavailableError("unavailable on purpose");
        case "fail":
          throw new Error("failed on purpose");
        case "remove":
          return { remove: true, response: pack("removed") };
        default:
          return { response: pack(input as unknown as PlainValue) };
      }
    },
    timer: ({ machine }) => {
      invocations.push(`${machine.id}:timer`);
      return { events: [{ data: pack({ event: "timer" }) }] };
    },
    notification: ({ args, machine }) => {
      invocations.push(`${machine.id}:notification`);
      return { events: [{ data: pack({ notified: unpack(args) }) }] };
    },
    repair: ({ args, machine }) => {
      invocations.push(`${machine.id}:repair`);
      if ((unpack(args) as Args | null)?.op === "refuse") throw new RepairFailedError(pack({ why: "no" }));
      return { events: [{ data: pack({ event: "repaired" }) }], response: pack("repaired") };
    },
  });
  return { processor, invocations };
}
