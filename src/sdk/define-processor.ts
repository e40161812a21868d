/**
 * defineProcessor: a namespace's logic as one handler per kind of step, written against the HTTP-JSON protocol's
 * request and result. The definition is a Processor (the engine's port) that runs in this process, and
 * serveProcessor serves the same definition over HTTP: either way each step goes through the protocol's request,
 * the handler and the protocol's checks of the result, so a processor behaves the same embedded or served.
 */
import {
  coerceError,
  ProcessorFailedError,
  ProcessorTimeoutError,
  ProcessorUnavailableError,
  RepairFailedError,
} from "../core/errors.js";
import type { StepResult } from "../core/processor-result.js";
import type { StepKind } from "../core/step.js";
import type { WireRequest, WireResult } from "../http/processor-protocol/protocol-schema.js";
import { wireRequestOf } from "../http/processor-protocol/wire-request.js";
import { stepResultOfAnswer, storedBytesOf } from "../http/processor-protocol/wire-result.js";
import { decodeValue } from "../mg/msgpack/msgpack-value.js";
import { type JsonValue, payloadToNaturalJson } from "../mg/msgpack/natural-json.js";
import type { ProcessOptions, Processor, ProcessorRequest } from "../processors/processor.js";
import { type StepContext, stepContextOf } from "./machine-view.js";
import { type HandlerOutput, wireResultOf } from "./step-output.js";

/** The types a processor declares for its machines; each defaults to any natural JSON value. */
export interface ProcessorTypes {
  /** The data of the machine's events. */
  readonly event: unknown;
  readonly auxState: unknown;
  /** The arguments of init, call, repair and notification steps. */
  readonly args: unknown;
  /** What calls and repairs answer. */
  readonly response: unknown;
}

interface DefaultTypes {
  readonly event: JsonValue;
  readonly auxState: JsonValue;
  readonly args: JsonValue;
  readonly response: JsonValue;
}

/** The declared types, the defaults for the rest. */
export type ResolvedTypes<Declared extends Partial<ProcessorTypes>> = {
  readonly [Key in keyof ProcessorTypes]: Key extends keyof Declared
    ? Exclude<Declared[Key], undefined>
    : DefaultTypes[Key];
};

type Output<T extends ProcessorTypes> = HandlerOutput<T["event"], T["auxState"], T["response"]>;
type Handler<T extends ProcessorTypes, Input> = (
  input: StepContext<T["event"], T["auxState"], T["response"]> & Input,
) => Output<T> | Promise<Output<T>>;

export interface ProcessorDefinition<T extends ProcessorTypes> {
  /** Written into every event and aux state the processor returns; none when absent. */
  readonly formatVersion?: number;
  readonly init?: Handler<T, { readonly args: T["args"] }>;
  readonly call?: Handler<T, { readonly args: T["args"] }>;
  readonly repair?: Handler<T, { readonly args: T["args"] }>;
  readonly timer?: Handler<T, object>;
  readonly notification?: Handler<T, { readonly args: T["args"]; readonly notificationId: string | null }>;
}

/** A defined processor: the engine's Processor in this process, and the handler serveProcessor serves. */
export interface DefinedProcessor<T extends ProcessorTypes = DefaultTypes> extends Processor {
  readonly definition: ProcessorDefinition<T>;
  /**
   * Answers one protocol request: the result, or `repair_failed` when a repair handler threw repairFailed(…).
   * Throws ProcessorUnavailableError (and ProcessorTimeoutError) as they were thrown, for "try later";
   * ProcessorResultInvalidError for a result Ratchet would refuse; any other failure as ProcessorFailedError.
   * Either of the last two fails the machine.
   */
  handle(request: WireRequest, signal: AbortSignal): Promise<WireResult>;
}

export function defineProcessor<Declared extends Partial<ProcessorTypes> = Record<never, never>>(
  definition: ProcessorDefinition<ResolvedTypes<Declared>>,
): DefinedProcessor<ResolvedTypes<Declared>> {
  async function answer(request: WireRequest, signal: AbortSignal): Promise<WireResult> {
    const handler = definition[request.kind] as Handler<ProcessorTypes, object> | undefined;
    if (handler === undefined) throw new ProcessorFailedError(`the processor has no ${request.kind} handler`);
    const input = {
      ...stepContextOf(request, signal),
      ...(request.kind === "timer" ? {} : { args: request.args }),
      ...(request.kind === "notification" ? { notificationId: request.notification_id } : {}),
    };
    try {
      return wireResultOf(await handler(input), definition.formatVersion);
    } catch (thrown) {
      if (thrown instanceof RepairFailedError && request.kind === "repair") {
        return { repair_failed: { reason: payloadToNaturalJson(thrown.reason, decodeValue) } };
      }
      throw failureOf(thrown);
    }
  }

  return {
    definition,
    async handle(request: WireRequest, signal: AbortSignal): Promise<WireResult> {
      const result = await answer(request, signal);
      checkAnswer(result, request.kind);
      return result;
    },
    async process(request: ProcessorRequest, options: ProcessOptions): Promise<StepResult> {
      const result = await answer(wireRequestOf(request, options), options.abortSignal);
      return stepResultOfAnswer(result, request.kind);
    },
  };
}

/**
 * Judges an answer as Ratchet will (the same checks, the same words), so that a served processor reports a result
 * Ratchet would refuse as its own failure instead of sending it.
 */
function checkAnswer(result: WireResult, kind: StepKind): void {
  try {
    stepResultOfAnswer(result, kind);
  } catch (error) {
    if (!(error instanceof RepairFailedError)) throw error; // a well-formed refusal is a valid answer
  }
}

/** A handler's failure as the engine classifies it: "try later" stays transient, anything else is fatal. */
function failureOf(thrown: unknown): Error {
  if (
    thrown instanceof ProcessorUnavailableError ||
    thrown instanceof ProcessorTimeoutError ||
    thrown instanceof ProcessorFailedError
  ) {
    return thrown;
  }
  const error = coerceError(thrown);
  return new ProcessorFailedError(error.message, { cause: error });
}

/** Thrown by a handler: the processor cannot serve now; Ratchet retries the step (after `retryAfterMs`). */
export function processorUnavailable(
  message: string,
  options: { readonly retryAfterMs?: number } = {},
): ProcessorUnavailableError {
  return new ProcessorUnavailableError(message, options);
}

/** Thrown by a repair handler: the repair is refused with `reason`; the machine stays failed. */
export function repairFailed(reason: JsonValue): RepairFailedError {
  return new RepairFailedError(storedBytesOf(reason, "repair_failed.reason"));
}
