/**
 * The test processor of MG's machine suite, as a local processor: a counter kept in events and aux state.
 * Arguments are JSON: init `{fail?, unavailable?}`; calls `{op}` with op get | inc | fail | unavailable |
 * set_timer (ms) | unset_timer | remove | emit (n events) | sleep (ms); repair `{op}` ok | error | business_error.
 * The timer step increments the counter. It records any overlap of two steps of one machine.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { ProcessorUnavailableError, RepairFailedError } from "../../src/core/errors.js";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import type { MachineView } from "../../src/processors/processor.js";
import { json, parse } from "./json-payload.js";

export interface CounterControl {
  /** Steps of one machine that ran at the same time (must stay 0). */
  overlaps: number;
  /** Timer steps fail transiently while this is above 0, counting down. */
  timerFailuresLeft: number;
  /** Timer steps fail fatally while true. */
  timerFatal: boolean;
  /** Notification steps fail fatally while true. */
  notificationFatal: boolean;
  /** Notification steps fail transiently while this is above 0, counting down. */
  notificationFailuresLeft: number;
  readonly notifications: string[];
  readonly steps: string[];
}

type Args = { op?: string; ms?: number; n?: number; fail?: boolean; unavailable?: boolean; value?: number };

export function counterOf(machine: MachineView): number {
  return machine.auxState.data.byteLength === 0 ? 0 : parse<{ count: number }>(machine.auxState.data).count;
}

export function createCounterProcessor() {
  const control: CounterControl = {
    overlaps: 0,
    timerFailuresLeft: 0,
    timerFatal: false,
    notificationFatal: false,
    notificationFailuresLeft: 0,
    notifications: [],
    steps: [],
  };
  const running = new Set<string>();
  const guard = async <T>(machine: MachineView, kind: string, body: () => Promise<T> | T): Promise<T> => {
    if (running.has(machine.id)) control.overlaps += 1;
    running.add(machine.id);
    control.steps.push(`${machine.id}:${kind}`);
    try {
      return await body();
    } finally {
      running.delete(machine.id);
    }
  };
  const bump = (machine: MachineView, by = 1) => {
    const count = counterOf(machine) + by;
    return { events: [{ data: json({ count }) }], auxState: { data: json({ count }) } };
  };
  const processor = localProcessor({
    init: ({ args, machine }) =>
      guard(machine, "init", () => {
        const input = parse<Args>(args);
        if (input.fail) throw new Error("init failed on purpose");
        if (input.unavailable) throw new ProcessorUnavailableError("init unavailable on purpose");
        return { auxState: { data: json({ count: input.value ?? 0 }) } };
      }),
    call: ({ args, machine }) =>
      guard(machine, "call", async () => {
        const input = parse<Args>(args);
        switch (input.op) {
          case "get":
            return { response: json(counterOf(machine)) };
          case "inc":
            return { ...bump(machine), response: json(counterOf(machine) + 1) };
          case "emit":
            return {
              events: Array.from({ length: input.n ?? 1 }, (_, index) => ({
                data: json({ emitted: index }),
              })),
              response: json("ok"),
            };
          case "set_timer":
            return { timer: timer.after(input.ms ?? 0), response: json("ok") };
          case "unset_timer":
            return { timer: timer.unset(), response: json("ok") };
          case "remove":
            return { remove: true, response: json("ok") };
          case "sleep":
            await sleep(input.ms ?? 0);
            return { ...bump(machine), response: json("slept") };
          case "unavailable":
            throw new ProcessorUnavailableError("call unavailable on purpose");
          case "fail":
            throw new Error("call failed on purpose");
          default:
            throw new Error(`unknown op ${input.op}`);
        }
      }),
    timer: ({ machine }) =>
      guard(machine, "timer", () => {
        if (control.timerFatal) throw new Error("timer failed on purpose");
        if (control.timerFailuresLeft > 0) {
          control.timerFailuresLeft -= 1;
          throw new ProcessorUnavailableError("timer unavailable on purpose");
        }
        return bump(machine);
      }),
    notification: ({ args, machine }) =>
      guard(machine, "notification", () => {
        if (control.notificationFatal) throw new Error("notification failed on purpose");
        if (control.notificationFailuresLeft > 0) {
          control.notificationFailuresLeft -= 1;
          throw new ProcessorUnavailableError("notification unavailable on purpose");
        }
        control.notifications.push(parse<string>(args));
        return { events: [{ data: json({ notified: parse<string>(args) }) }] };
      }),
    repair: ({ args, machine }) =>
      guard(machine, "repair", () => {
        const input = parse<Args>(args);
        if (input.op === "error") throw new Error("repair crashed on purpose");
        if (input.op === "business_error") throw new RepairFailedError(json("no, thank you"));
        return { events: [{ data: json({ repaired: true }) }], response: json("repaired") };
      }),
  });
  return { processor, control };
}
