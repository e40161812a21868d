/**
 * A processor's state_processing result → the engine's StepResult, with MG's readings: absent events are none,
 * a set timer's `timeout` (seconds) or `deadline` (UTC only, whole seconds used), an absent timer action leaves
 * the timer as it is. Anything that breaks these rules throws ProcessorResultInvalidError.
 */
import { ProcessorResultInvalidError, RatchetError } from "../core/errors.js";
import type { HistoryRange } from "../core/history-range.js";
import { validateHistoryRange } from "../core/history-range.js";
import type { Content } from "../core/machine.js";
import type { StepResult, TimerAction } from "../core/processor-result.js";
import { TIMER_UNCHANGED } from "../core/processor-result.js";
import { MICROSECONDS_PER_SECOND, parseTimestampUs } from "../core/time.js";
import { encodeValue } from "./msgpack/msgpack-value.js";
import type { stateProcessing } from "./thrift/generated/index.js";

const MILLISECONDS_PER_SECOND = 1000;

export interface ThriftStepResult {
  readonly change: stateProcessing.MachineStateChange;
  readonly action: stateProcessing.ComplexAction;
  readonly response?: stateProcessing.CallResponse;
}

export function stepResultFromThrift(result: ThriftStepResult): StepResult {
  try {
    const { change, action } = result;
    return {
      events: (change.events ?? []).map(contentFromThrift),
      ...(change.aux_state !== undefined && { auxState: contentFromThrift(change.aux_state) }),
      timer: timerActionFromThrift(action.timer),
      remove: action.remove !== undefined,
      ...(result.response !== undefined && { response: encodeValue(result.response) }),
    };
  } catch (error) {
    if (!(error instanceof RatchetError) || error instanceof ProcessorResultInvalidError) throw error;
    throw new ProcessorResultInvalidError(`processor result is invalid: ${error.message}`, { cause: error });
  }
}

export function contentFromThrift(content: stateProcessing.Content): Content {
  const data = encodeValue(content.data);
  return content.format_version === undefined ? { data } : { formatVersion: content.format_version, data };
}

export function historyRangeFromThrift(range: stateProcessing.HistoryRange): HistoryRange {
  const after = range.after;
  if (
    after !== undefined &&
    (after > BigInt(Number.MAX_SAFE_INTEGER) || after < -BigInt(Number.MAX_SAFE_INTEGER))
  ) {
    throw new ProcessorResultInvalidError(`history range after ${after} is beyond any event id`);
  }
  return validateHistoryRange({
    after: after === undefined ? undefined : Number(after),
    limit: range.limit,
    direction: range.direction,
  });
}

function timerActionFromThrift(action: stateProcessing.TimerAction | undefined): TimerAction {
  if (action === undefined) return TIMER_UNCHANGED;
  if (action.unset_timer !== undefined) return { kind: "unset" };
  const { timer, range } = action.set_timer;
  const rangePart = range === undefined ? {} : { range: historyRangeFromThrift(range) };
  if (timer.timeout !== undefined) {
    // MG sets the timer to now + timeout; a negative timeout is already due, which 0 expresses.
    return { kind: "set", timeoutMs: Math.max(0, timer.timeout) * MILLISECONDS_PER_SECOND, ...rangePart };
  }
  const deadlineUs = parseTimestampUs(timer.deadline, "timer.deadline", { requireUtc: true });
  const wholeSecondsUs = Math.floor(deadlineUs / MICROSECONDS_PER_SECOND) * MICROSECONDS_PER_SECOND;
  return { kind: "set", deadlineUs: wholeSecondsUs, ...rangePart };
}
