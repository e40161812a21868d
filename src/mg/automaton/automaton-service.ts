/**
 * MG's public API, the woody `Automaton` service, as a table of handlers over the engine. Each handler converts
 * the Thrift arguments (msgpack Values become their stored encoding, the woody context becomes the request's
 * deadline and stored trace), calls the engine, and converts the answer back; every failure goes through the one
 * mapping in automaton-errors.ts.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Direction, HistoryRange } from "../../core/history-range.js";
import type { MachineRecord } from "../../core/machine.js";
import { formatTimestampSeconds } from "../../core/time.js";
import type { EngineApi, MachineSnapshot, RequestOptions } from "../../engine/engine-api.js";
import { contentToThrift, eventToThrift, payloadToValue } from "../machine-to-thrift.js";
import { encodeValue } from "../msgpack/msgpack-value.js";
import { MG_SCHEMA, stateProcessing } from "../thrift/generated/index.js";
import type { WoodyContext } from "../woody/context.js";
import { toRequestContext } from "../woody/context.js";
import { WoodySystemError } from "../woody/errors.js";
import type { ServiceHandlers } from "../woody/service-router.js";
import { createWoodyService } from "../woody/service-router.js";
import { type AutomatonMethod, automatonErrorOf } from "./automaton-errors.js";

type AutomatonMethods = stateProcessing.AutomatonMethods;

export interface AutomatonServiceOptions {
  readonly engine: EngineApi;
  /** The current instant in µs, to check request deadlines against. */
  readonly nowUs: () => number;
  /** Request bodies above this are refused with 413; the woody default (16 MiB) when absent. */
  readonly bodyBytesMax?: number;
  /** Sees every failure answered with 500 Result Unexpected, for logging; its own exceptions are swallowed. */
  readonly onUnexpectedError?: (error: Error, method: string) => void;
}

/** The request listener of `/v1/automaton`. */
export function createAutomatonService(
  options: AutomatonServiceOptions,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return createWoodyService<AutomatonMethods>({
    schema: MG_SCHEMA,
    service: stateProcessing.SERVICE.Automaton,
    handlers: automatonHandlers(options.engine, options.onUnexpectedError),
    nowUs: options.nowUs,
    ...(options.bodyBytesMax === undefined ? {} : { bodyBytesMax: options.bodyBytesMax }),
    ...(options.onUnexpectedError === undefined ? {} : { onUnexpectedError: options.onUnexpectedError }),
  });
}

/** The handlers, usable without a socket (in-process tests call them directly). */
export function automatonHandlers(
  engine: EngineApi,
  onUnexpectedError?: (error: Error, method: string) => void,
): ServiceHandlers<AutomatonMethods> {
  const guard = <T>(method: AutomatonMethod, run: () => Promise<T>): Promise<T> =>
    run().catch((thrown: unknown) => {
      const answer = automatonErrorOf(method, thrown);
      if (answer instanceof WoodySystemError && answer.errorClass === "result unexpected") {
        report(onUnexpectedError, answer, method);
      }
      throw answer;
    });
  return {
    Start: ({ ns, id, a }, context) =>
      guard("Start", () => engine.start(ns, id, encodeValue(a), requestOptions(context))),
    Repair: ({ desc, a }, context) =>
      guard("Repair", async () => {
        const options = { ...requestOptions(context), range: historyRangeFromThrift(desc.range) };
        return payloadToValue(await engine.repair(desc.ns, desc.ref.id, encodeValue(a), options), "response");
      }),
    SimpleRepair: ({ ns, ref }, context) =>
      guard("SimpleRepair", () => engine.simpleRepair(ns, ref.id, requestOptions(context))),
    Call: ({ desc, a }, context) =>
      guard("Call", async () => {
        const options = { ...requestOptions(context), range: historyRangeFromThrift(desc.range) };
        return payloadToValue(await engine.call(desc.ns, desc.ref.id, encodeValue(a), options), "response");
      }),
    GetMachine: ({ desc }) =>
      guard("GetMachine", async () => {
        const snapshot = await engine.get(desc.ns, desc.ref.id, historyRangeFromThrift(desc.range));
        return machineOfSnapshot(snapshot, desc.range);
      }),
    Remove: ({ ns, id }, context) => guard("Remove", () => engine.remove(ns, id, requestOptions(context))),
    Modernize: ({ desc }, context) =>
      guard("Modernize", async () => {
        await engine.modernize(
          desc.ns,
          desc.ref.id,
          historyRangeFromThrift(desc.range),
          requestOptions(context),
        );
      }),
    Notify: ({ desc, a }, context) =>
      guard("Notify", async () => {
        const options = { ...requestOptions(context), range: historyRangeFromThrift(desc.range) };
        return { id: await engine.notify(desc.ns, desc.ref.id, encodeValue(a), options) };
      }),
  };
}

/**
 * The request's deadline (absent: the engine applies the namespace's default processing timeout) and its trace,
 * stored with whatever the request schedules so later processor calls continue the same trace.
 */
export function requestOptions(context: WoodyContext): RequestOptions {
  const stored = { context: toRequestContext(context) };
  return context.deadlineUs === undefined ? stored : { ...stored, deadlineUs: context.deadlineUs };
}

/**
 * A requested range as the engine reads it. `after` beyond ±2^53 is clamped: no event id comes near it, so the
 * clamped range selects the same events (nothing, or everything) as MG's unbounded integers do. A negative `limit`
 * is left for the engine to refuse.
 */
export function historyRangeFromThrift(range: stateProcessing.HistoryRange): HistoryRange {
  const direction: Direction = range.direction ?? "forward";
  const result: { after?: number; limit?: number; direction: Direction } = { direction };
  if (range.after !== undefined) result.after = clampToSafeInteger(range.after);
  if (range.limit !== undefined) result.limit = range.limit;
  return result;
}

function clampToSafeInteger(value: bigint): number {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(value > max ? max : value < -max ? -max : value);
}

/**
 * The `Machine` GetMachine returns, filled as MG fills it: `status` working or failed{reason}, the aux state,
 * the timer in whole seconds, the requested range echoed, events with `created_at` in µs RFC 3339.
 */
export function machineOfSnapshot(
  snapshot: MachineSnapshot,
  requestedRange: stateProcessing.HistoryRange,
): stateProcessing.Machine {
  const { record } = snapshot;
  const status = thriftStatusOf(record);
  return {
    ns: record.namespace,
    id: record.id,
    history: snapshot.history.map((event, index) => eventToThrift(event, `history[${index}]`)),
    history_range: requestedRange,
    status,
    aux_state: contentToThrift(record.auxState, "aux_state"),
    ...(record.timer !== null && { timer: formatTimestampSeconds(record.timer.dueAtUs) }),
  };
}

/** MG has no paused status: a paused machine reads as failed, with a reason that says it is paused and why. */
export function thriftStatusOf(record: MachineRecord): stateProcessing.MachineStatus {
  if (record.failure !== null) return { failed: { reason: record.failure.reason } };
  if (record.pause !== null) return { failed: { reason: `paused: ${record.pause.reason}` } };
  return { working: {} };
}

function report(
  hook: ((error: Error, method: string) => void) | undefined,
  error: Error,
  method: string,
): void {
  try {
    hook?.(error, method);
  } catch {
    // A logging hook must never change the answer.
  }
}
