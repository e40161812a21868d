/**
 * A real woody (MG Thrift) processor on 127.0.0.1 for the tests of Ratchet's processor extension: the Processor
 * service of src/mg/woody answers each call as the test's script for that machine says, and a plain node:http
 * handler around it adds the script's answer headers (`ratchet-next-step`, `Retry-After`, `ratchet-error-class`)
 * to the response before the woody layer writes it. Every call is recorded with the instant it arrived and the
 * deadline it carried.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { msgpack } from "../../../src/mg/thrift/generated/index.js";
import { MG_SCHEMA, stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import type { WoodyContext } from "../../../src/mg/woody/context.js";
import { WoodySystemError } from "../../../src/mg/woody/errors.js";
import { createWoodyService } from "../../../src/mg/woody/service-router.js";

export type SignalName = "init" | "timeout" | "notification" | "call" | "repair";

/** One call the processor received. */
export interface SeenCall {
  readonly machineId: string;
  readonly signal: SignalName;
  /** Date.now() when the call arrived. */
  readonly atMs: number;
  /** The woody.deadline the call carried, in µs. */
  readonly deadlineUs: number | undefined;
  /** Events of the machine the call carried. */
  readonly historyLength: number;
}

/** A set timer: in whole seconds from now (MG's `timeout`), or at an instant (MG's `deadline`, whole seconds). */
export type ScriptedTimer = { readonly timeoutS: number } | { readonly deadlineMs: number } | "unset";

/** What the processor answers: a result (events as text, aux state as text), or 503 Resource Unavailable. */
export type ScriptedAnswer =
  | {
      readonly kind: "result";
      readonly events?: readonly string[];
      readonly aux?: string;
      readonly timer?: ScriptedTimer;
      readonly response?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly kind: "unavailable"; readonly headers?: Readonly<Record<string, string>> };

/** The script of one machine: its answer to its n-th call (1, 2, …). */
export type MachineScript = (call: SeenCall, n: number) => ScriptedAnswer;

export interface ScriptedProcessor {
  readonly url: string;
  /** Every call, in arrival order. */
  readonly calls: SeenCall[];
  script(machineId: string, script: MachineScript): void;
  callsOf(machineId: string, signal?: SignalName): SeenCall[];
  close(): Promise<void>;
}

/**
 * Starts the processor. With `headers: false` it is a plain woody server (no wrapper at all), which never sends
 * a header beyond woody's own: an MG processor as MG knows it.
 */
export async function startScriptedProcessor(
  options: { headers?: boolean } = {},
): Promise<ScriptedProcessor> {
  const scripts = new Map<string, MachineScript>();
  const calls: SeenCall[] = [];
  const answerScope = new AsyncLocalStorage<http.ServerResponse>();

  const answer = (signal: SignalName, machine: stateProcessing.Machine, context: WoodyContext) => {
    const call: SeenCall = {
      machineId: machine.id,
      signal,
      atMs: Date.now(),
      deadlineUs: context.deadlineUs,
      historyLength: machine.history.length,
    };
    calls.push(call);
    const script = scripts.get(machine.id);
    if (script === undefined) throw new Error(`no script for machine ${machine.id}`);
    const scripted = script(call, calls.filter((seen) => seen.machineId === machine.id).length);
    const response = answerScope.getStore();
    for (const [name, value] of Object.entries(scripted.headers ?? {})) response?.setHeader(name, value);
    if (scripted.kind === "unavailable") {
      throw new WoodySystemError("resource unavailable", "internal", "the script says unavailable");
    }
    return {
      change: {
        events: (scripted.events ?? []).map((text) => ({ data: { str: text } })),
        ...(scripted.aux === undefined ? {} : { aux_state: { data: { str: scripted.aux } } }),
      },
      action: timerAction(scripted.timer),
      response: { str: scripted.response ?? "" } as msgpack.Value,
    };
  };

  const service = createWoodyService<stateProcessing.ProcessorMethods>({
    schema: MG_SCHEMA,
    service: stateProcessing.SERVICE.Processor,
    nowUs: () => Date.now() * 1000,
    handlers: {
      async ProcessSignal({ a }, context) {
        const signal = a.signal.init ? "init" : a.signal.timeout ? "timeout" : "notification";
        const { change, action } = answer(signal, a.machine, context);
        return { change, action };
      },
      async ProcessCall({ a }, context) {
        return answer("call", a.machine, context);
      },
      async ProcessRepair({ a }, context) {
        return answer("repair", a.machine, context);
      },
    },
  });
  const server =
    options.headers === false
      ? http.createServer((request, response) => void service(request, response))
      : http.createServer((request, response) => {
          // The extension's part: headers the script names go on the response the woody layer then writes.
          answerScope.run(response, () => void service(request, response));
        });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/stateproc`,
    calls,
    script: (machineId, script) => scripts.set(machineId, script),
    callsOf: (machineId, signal) =>
      calls.filter(
        (call) => call.machineId === machineId && (signal === undefined || call.signal === signal),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function timerAction(timer: ScriptedTimer | undefined): stateProcessing.ComplexAction {
  if (timer === undefined) return {};
  if (timer === "unset") return { timer: { unset_timer: {} } };
  if ("timeoutS" in timer) return { timer: { set_timer: { timer: { timeout: timer.timeoutS } } } };
  return { timer: { set_timer: { timer: { deadline: new Date(timer.deadlineMs).toISOString() } } } };
}
