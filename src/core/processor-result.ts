/**
 * What a processor returns from one step, and the checks it must pass before anything is committed.
 * A result that fails them fails the machine with the reason (the processor broke the contract).
 */
import { ProcessorResultInvalidError } from "./errors.js";
import type { HistoryRange } from "./history-range.js";
import { validateHistoryRange } from "./history-range.js";
import type { Limits } from "./limits.js";
import type { Content, Payload } from "./machine.js";

export type TimerAction =
  | { readonly kind: "unchanged" }
  | { readonly kind: "unset" }
  | {
      readonly kind: "set";
      /** Fire this long from now; exactly one of timeoutMs and deadlineUs is given. */
      readonly timeoutMs?: number;
      /** Fire at this instant. */
      readonly deadlineUs?: number;
      /** History for the timeout step; absent means the whole history. */
      readonly range?: HistoryRange;
      /** Route the timeout step to this processor of the namespace. */
      readonly processor?: string;
      /** The name of the step the timer runs: its processor, deadline and retry policy are that step's. */
      readonly step?: string;
    };

export const TIMER_UNCHANGED: TimerAction = Object.freeze({ kind: "unchanged" });

export interface StepResult {
  readonly events: readonly Content[];
  /** The new aux state; absent keeps the current one. */
  readonly auxState?: Content;
  readonly timer: TimerAction;
  /** Remove the machine and its history after this step's events are committed. */
  readonly remove: boolean;
  /** Returned to the caller of a call or repair. */
  readonly response?: Payload;
}

/** Checks a processor's result against the contract and the limits; throws ProcessorResultInvalidError. */
export function validateStepResult(
  result: StepResult,
  options: { limits: Limits; processorNames: ReadonlySet<string> },
): StepResult {
  const { limits } = options;
  const invalid = (why: string): never => {
    throw new ProcessorResultInvalidError(`processor result is invalid: ${why}`);
  };
  if (result.events.length > limits.stepEventsMax) {
    invalid(`${result.events.length} events, above the maximum of ${limits.stepEventsMax} per step`);
  }
  let stepBytes = 0;
  result.events.forEach((event, index) => {
    checkContent(event, `events[${index}]`, invalid);
    if (event.data.byteLength > limits.eventBytesMax) {
      invalid(
        `events[${index}] is ${event.data.byteLength} bytes, above the maximum of ${limits.eventBytesMax}`,
      );
    }
    stepBytes += event.data.byteLength;
  });
  if (result.auxState !== undefined) {
    checkContent(result.auxState, "auxState", invalid);
    if (result.auxState.data.byteLength > limits.auxStateBytesMax) {
      invalid(
        `auxState is ${result.auxState.data.byteLength} bytes, above the maximum of ${limits.auxStateBytesMax}`,
      );
    }
    stepBytes += result.auxState.data.byteLength;
  }
  stepBytes += result.response?.byteLength ?? 0;
  if (stepBytes > limits.stepBytesMax)
    invalid(`step is ${stepBytes} bytes, above the maximum of ${limits.stepBytesMax}`);
  checkTimerAction(result.timer, options.processorNames, invalid);
  return result;
}

function checkContent(content: Content, field: string, invalid: (why: string) => never): void {
  if (!(content.data instanceof Uint8Array)) invalid(`${field}.data is not bytes`);
  const version = content.formatVersion;
  if (version !== undefined && !(Number.isInteger(version) && version >= -(2 ** 31) && version < 2 ** 31)) {
    invalid(`${field}.formatVersion ${version} is not a 32-bit integer`);
  }
}

function checkTimerAction(
  action: TimerAction,
  processorNames: ReadonlySet<string>,
  invalid: (why: string) => never,
) {
  if (action.kind !== "set") return;
  const hasTimeout = action.timeoutMs !== undefined;
  const hasDeadline = action.deadlineUs !== undefined;
  if (hasTimeout === hasDeadline) invalid("a timer needs exactly one of timeout and deadline");
  if (hasTimeout && !(Number.isFinite(action.timeoutMs) && (action.timeoutMs as number) >= 0)) {
    invalid(`timer timeout ${action.timeoutMs} ms must be ≥ 0`);
  }
  if (hasDeadline && !Number.isSafeInteger(action.deadlineUs))
    invalid(`timer deadline ${action.deadlineUs} is not an instant`);
  if (action.range !== undefined) {
    try {
      validateHistoryRange(action.range);
    } catch (error) {
      invalid(`timer range: ${(error as Error).message}`);
    }
  }
  if (action.step !== undefined && !isStepName(action.step)) {
    invalid(`timer step name ${JSON.stringify(action.step)} is not a step name (${STEP_NAME_RULE})`);
  }
  if (action.processor !== undefined && !processorNames.has(action.processor)) {
    invalid(`timer names processor ${JSON.stringify(action.processor)}, which the namespace does not have`);
  }
}

/** Step names: short, and safe in a URL, a log line, a metric label and a Mermaid node. */
export const STEP_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const STEP_NAME_RULE = "1 to 64 letters, digits, _, . or -";

export function isStepName(name: string): boolean {
  return typeof name === "string" && STEP_NAME_PATTERN.test(name);
}
