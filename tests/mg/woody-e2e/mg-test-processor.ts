/**
 * MG's `mg_test_processor` (machinegun-woody-api test/mg_tests_SUITE.erl), written only against the protocol: a
 * Processor and a Modernizer served over woody with createWoodyService and the generated types. Commands arrive
 * as msgpack Values, `bin` as MG's packer sends Erlang binaries (`str` is read the same way):
 * - init: `fail` crashes (500), `timeout` never answers, `[fire, N, Body, Aux]` emits N events of Body and sets
 *   aux state Aux, anything else emits nothing;
 * - timeout signal: one `handle_timer_body` event; notification signal: one event holding the notification's args;
 * - call: `nop`, `set_timer` (1 s), `unset_timer`, `fail` (500), `sleep` (answers after `sleepMs`), `remove`
 *   (RemoveAction), `[event, I]` (emits I unless the history already holds it);
 * - repair: `error` crashes (500), `business_error` answers RepairFailed{bin "because"}, anything else succeeds.
 * Every event carries format_version 42, as MG's test `content/1` sets it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { encodeValue } from "../../../src/mg/msgpack/msgpack-value.js";
import type { msgpack } from "../../../src/mg/thrift/generated/index.js";
import { MG_SCHEMA, stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import type { WoodyContext } from "../../../src/mg/woody/context.js";
import { WoodyBusinessError } from "../../../src/mg/woody/errors.js";
import { createWoodyService } from "../../../src/mg/woody/service-router.js";
import { type LocalServer, listen, nowUs } from "../woody/local-http.js";

type Value = msgpack.Value;

export const EVENT_FORMAT_VERSION = 42;
export const MODERNIZED_FORMAT_VERSION = 43;
/** MG's SetTimer in the suite: `{timeout, 1}`. */
export const TIMER_TIMEOUT_SECONDS = 1;

export interface ReceivedCall {
  readonly method: "ProcessSignal" | "ProcessCall" | "ProcessRepair" | "ModernizeEvent";
  readonly kind: string;
  readonly arg?: Value;
  readonly context: WoodyContext;
}

export interface TestProcessor {
  /** The Processor's URL (`processor.url` of a namespace). */
  readonly url: string;
  /** The Modernizer's URL (`modernizer.handler.url`). */
  readonly modernizerUrl: string;
  /** Every request received, oldest first. */
  readonly received: ReceivedCall[];
  close(): Promise<void>;
}

export function bin(text: string): Value {
  return { bin: new Uint8Array(Buffer.from(text)) };
}

/** The text of a `bin` or `str` Value; undefined for any other kind. */
export function textOf(value: Value): string | undefined {
  if (value.bin !== undefined) return Buffer.from(value.bin).toString();
  return value.str;
}

function content(data: Value): stateProcessing.Content {
  return { format_version: EVENT_FORMAT_VERSION, data };
}

const NULL_AUX: stateProcessing.Content = content({ nl: {} });

function change(events: readonly Value[], aux: stateProcessing.Content = NULL_AUX) {
  return { aux_state: aux, events: events.map(content) };
}

/** `[fire, N, Body, Aux]` → what init commits. */
function fire(command: readonly Value[]): stateProcessing.SignalResult | undefined {
  const [name, count, body, aux] = command;
  if (name === undefined || textOf(name) !== "fire" || count?.i === undefined) return undefined;
  if (body === undefined || aux === undefined) return undefined;
  return {
    change: change(
      Array.from({ length: Number(count.i) }, () => body),
      content(aux),
    ),
    action: {},
  };
}

async function processSignal(args: stateProcessing.SignalArgs): Promise<stateProcessing.SignalResult> {
  const { signal } = args;
  if (signal.init !== undefined) {
    const command = textOf(signal.init.arg);
    if (command === "fail") throw new Error("fail");
    // MG's `timer:sleep(infinity)`: the answer never comes; nothing holds the process open meanwhile.
    if (command === "timeout") return new Promise<never>(() => {});
    return fire(signal.init.arg.arr ?? []) ?? { change: change([]), action: {} };
  }
  if (signal.timeout !== undefined) return { change: change([bin("handle_timer_body")]), action: {} };
  return { change: change([signal.notification.arg]), action: {} };
}

function hasEventBody(machine: stateProcessing.Machine, body: Value): boolean {
  const wanted = Buffer.from(encodeValue(body));
  return machine.history.some((event) => wanted.equals(encodeValue(event.data)));
}

async function processCall(
  args: stateProcessing.CallArgs,
  sleepMs: number,
): Promise<stateProcessing.CallResult> {
  const { arg, machine } = args;
  const [name, item] = arg.arr ?? [];
  if (name !== undefined && textOf(name) === "event" && item !== undefined) {
    const events = hasEventBody(machine, item) ? [] : [item];
    return { response: item, change: change(events), action: {} };
  }
  const setTimer = {
    timer: { timeout: TIMER_TIMEOUT_SECONDS },
    range: { direction: "forward" },
    timeout: 30,
  } as const;
  switch (textOf(arg)) {
    case "nop":
      return { response: arg, change: change([]), action: {} };
    case "set_timer":
      return {
        response: arg,
        change: change([bin("timer_body")]),
        action: { timer: { set_timer: setTimer } },
      };
    case "unset_timer":
      return { response: arg, change: change([bin("timer_body")]), action: { timer: { unset_timer: {} } } };
    case "sleep":
      await sleep(sleepMs);
      return { response: arg, change: change([bin("sleep")]), action: {} };
    case "remove":
      return { response: arg, change: change([bin("removed")]), action: { remove: {} } };
    default:
      // `fail`, and any command MG's processor has no clause for: a crash, answered 500.
      throw new Error(`call ${JSON.stringify(textOf(arg) ?? "?")} fails`);
  }
}

async function processRepair(args: stateProcessing.RepairArgs): Promise<stateProcessing.RepairResult> {
  const command = textOf(args.arg);
  if (command === "error") throw new Error("error");
  if (command === "business_error") throw new WoodyBusinessError("RepairFailed", { reason: bin("because") });
  return { response: args.arg, change: change([]), action: {} };
}

function kindOfSignal(signal: stateProcessing.Signal): string {
  if (signal.init !== undefined) return "init";
  return signal.timeout !== undefined ? "timeout" : "notification";
}

export async function startTestProcessor(options: { sleepMs?: number } = {}): Promise<TestProcessor> {
  const sleepMs = options.sleepMs ?? 1000;
  const received: ReceivedCall[] = [];
  const processor = createWoodyService<stateProcessing.ProcessorMethods>({
    schema: MG_SCHEMA,
    service: stateProcessing.SERVICE.Processor,
    nowUs,
    handlers: {
      ProcessSignal: ({ a }, context) => {
        const signal = a.signal;
        const arg = signal.init?.arg ?? signal.notification?.arg;
        received.push({ method: "ProcessSignal", kind: kindOfSignal(signal), context, ...(arg && { arg }) });
        return processSignal(a);
      },
      ProcessCall: ({ a }, context) => {
        received.push({ method: "ProcessCall", kind: "call", arg: a.arg, context });
        return processCall(a, sleepMs);
      },
      ProcessRepair: ({ a }, context) => {
        received.push({ method: "ProcessRepair", kind: "repair", arg: a.arg, context });
        return processRepair(a);
      },
    },
  });
  const modernizer = createWoodyService<stateProcessing.ModernizerMethods>({
    schema: MG_SCHEMA,
    service: stateProcessing.SERVICE.Modernizer,
    nowUs,
    handlers: {
      async ModernizeEvent({ ev }, context) {
        received.push({ method: "ModernizeEvent", kind: "modernize", arg: ev.event.data, context });
        const data = { arr: [ev.event.data, { str: "modernized" }] };
        return { event_payload: { format_version: MODERNIZED_FORMAT_VERSION, data } };
      },
    },
  });
  const server: LocalServer = await listen((request, response) => {
    void (request.url === "/v1/modernizer" ? modernizer : processor)(request, response);
  });
  const base = `http://127.0.0.1:${server.port}`;
  return {
    url: `${base}/v1/stateproc`,
    modernizerUrl: `${base}/v1/modernizer`,
    received,
    close: () => server.close(),
  };
}
