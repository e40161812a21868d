/**
 * A processor's answer read into the engine's terms: a StepResult with its payloads encoded as stored bytes, or a
 * RepairFailedError. Anything that breaks the protocol is a ProcessorResultInvalidError naming the key, which
 * fails the machine with that reason. The HTTP client and the SDK's in-process adapter both read answers here.
 */
import { InvalidRequestError, ProcessorResultInvalidError, RepairFailedError } from "../../core/errors.js";
import { validateHistoryRange } from "../../core/history-range.js";
import type { Content } from "../../core/machine.js";
import type { StepResult, TimerAction } from "../../core/processor-result.js";
import { TIMER_UNCHANGED } from "../../core/processor-result.js";
import type { StepKind } from "../../core/step.js";
import { parseTimestampUs } from "../../core/time.js";
import { encodeValue } from "../../mg/msgpack/msgpack-value.js";
import { type JsonValue, valueFromNaturalJson } from "../../mg/msgpack/natural-json.js";
import {
  isRepairFailed,
  parseWireResult,
  type WireStepResult,
  type WireTimerAction,
} from "./protocol-schema.js";

/**
 * The step result of a parsed JSON answer to a step of `kind`. Throws RepairFailedError for a refused repair,
 * ProcessorResultInvalidError (with `why` prefixed by `source`) for anything else that is not a valid result.
 */
export function stepResultOfAnswer(json: unknown, kind: StepKind): StepResult {
  const parsed = parseWireResult(json);
  if (!parsed.ok) throw new ProcessorResultInvalidError(`the result does not validate: ${parsed.why}`);
  const answer = parsed.value;
  if (isRepairFailed(answer)) {
    if (kind !== "repair") {
      throw new ProcessorResultInvalidError(`the result refuses a repair, but the step is ${kind}`);
    }
    throw new RepairFailedError(storedBytesOf(answer.repair_failed.reason, "repair_failed.reason"));
  }
  return stepResultOf(answer);
}

function stepResultOf(wire: WireStepResult): StepResult {
  const events = (wire.events ?? []).map((event, index) => contentOf(event, `events[${index}]`));
  return {
    events,
    ...(wire.aux_state === undefined ? {} : { auxState: contentOf(wire.aux_state, "aux_state") }),
    timer: wire.timer === undefined ? TIMER_UNCHANGED : timerActionOf(wire.timer),
    remove: wire.remove ?? false,
    ...(wire.response === undefined ? {} : { response: storedBytesOf(wire.response, "response") }),
  };
}

function contentOf(wire: { format_version?: number | null; data: JsonValue }, field: string): Content {
  const data = storedBytesOf(wire.data, `${field}.data`);
  return wire.format_version === undefined || wire.format_version === null
    ? { data }
    : { formatVersion: wire.format_version, data };
}

function timerActionOf(wire: WireTimerAction): TimerAction {
  if (wire.action !== "set") return { kind: wire.action };
  const range =
    wire.range === undefined
      ? {}
      : {
          range: validateHistoryRange({
            after: wire.range.after ?? undefined,
            limit: wire.range.limit ?? undefined,
            direction: wire.range.direction,
          }),
        };
  return {
    kind: "set",
    ...(wire.timeout_ms === undefined ? {} : { timeoutMs: wire.timeout_ms }),
    ...(wire.deadline === undefined
      ? {}
      : { deadlineUs: parseTimestampUs(wire.deadline, "timer.deadline", { requireUtc: false }) }),
    ...range,
    ...(wire.processor === undefined ? {} : { processor: wire.processor }),
    ...(wire.step === undefined ? {} : { step: wire.step }),
  };
}

/** A natural JSON payload as the bytes Ratchet stores (the encoding of one msgpack Value). */
export function storedBytesOf(json: JsonValue, field: string): Uint8Array {
  try {
    return encodeValue(valueFromNaturalJson(json, field));
  } catch (error) {
    if (!(error instanceof InvalidRequestError)) throw error;
    throw new ProcessorResultInvalidError(`the result does not validate: ${error.message}`, { cause: error });
  }
}
