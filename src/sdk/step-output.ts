/**
 * What a handler returns: a plain object (`{ events, auxState, timer, response, remove }`, every key optional), or
 * the same built from the handler's `result` (`result.append(e).setTimer({ timeoutMs: 0 })`); and its conversion
 * into the protocol's result.
 */
import type { Direction } from "../core/history-range.js";
import type { WireStepResult, WireTimerAction } from "../http/processor-protocol/protocol-schema.js";
import { formatInstantUs } from "../http/processor-protocol/wire-request.js";
import type { JsonValue } from "../mg/msgpack/natural-json.js";

const MICROSECONDS_PER_MILLISECOND = 1000;

export interface HistoryRangeOption {
  readonly after?: number;
  readonly limit?: number;
  readonly direction?: Direction;
}

/** When the timer fires: after a delay, or at an instant (RFC 3339 text or a Date). */
export type TimerWhen = { readonly timeoutMs: number } | { readonly deadline: string | Date };

export interface TimerOptions {
  /** The history handed to the timer step; the whole history when absent. */
  readonly range?: HistoryRangeOption;
  /** The processor of the namespace (`processors.<name>`) the timer step goes to. */
  readonly processor?: string;
  /** The name of the step the timer runs (`steps.<name>` gives it its processor, deadline and retry policy). */
  readonly step?: string;
}

export type TimerChange =
  | { readonly action: "unchanged" }
  | { readonly action: "unset" }
  | ({ readonly action: "set" } & TimerWhen & TimerOptions);

export interface StepOutput<Event, AuxState, Response> {
  /** Appended to the history, in order. */
  readonly events?: readonly Event[];
  /** Replaces the aux state; absent keeps it. */
  readonly auxState?: AuxState;
  /** Absent leaves the timer as it is (a timer step's own timer is spent either way). */
  readonly timer?: TimerChange;
  /** The answer to a call or a repair. */
  readonly response?: Response;
  /** Removes the machine and its history once this step's events are committed. */
  readonly remove?: boolean;
}

/**
 * An immutable result under construction: each method returns a new one. Handlers get an empty one typed with the
 * processor's declared types (`input.result`), so each value is checked where it is written.
 */
export class StepResultBuilder<Event, AuxState, Response> {
  constructor(readonly output: StepOutput<Event, AuxState, Response> = {}) {
    Object.freeze(this);
  }

  append(...events: Event[]): StepResultBuilder<Event, AuxState, Response> {
    return new StepResultBuilder({ ...this.output, events: [...(this.output.events ?? []), ...events] });
  }

  setAuxState(auxState: AuxState): StepResultBuilder<Event, AuxState, Response> {
    return new StepResultBuilder({ ...this.output, auxState });
  }

  setTimer(when: TimerWhen, options: TimerOptions = {}): StepResultBuilder<Event, AuxState, Response> {
    return new StepResultBuilder({ ...this.output, timer: { action: "set", ...when, ...options } });
  }

  unsetTimer(): StepResultBuilder<Event, AuxState, Response> {
    return new StepResultBuilder({ ...this.output, timer: { action: "unset" } });
  }

  respond(response: Response): StepResultBuilder<Event, AuxState, Response> {
    return new StepResultBuilder({ ...this.output, response });
  }

  remove(): StepResultBuilder<Event, AuxState, Response> {
    return new StepResultBuilder({ ...this.output, remove: true });
  }
}

export type HandlerOutput<Event, AuxState, Response> =
  | StepOutput<Event, AuxState, Response>
  | StepResultBuilder<Event, AuxState, Response>
  | undefined;

/**
 * A handler's output as the protocol's result, every event and the aux state in `formatVersion` when the
 * definition names one. Values are passed as they are; the protocol's checks (wire-result.ts) judge them.
 */
export function wireResultOf(
  returned: HandlerOutput<unknown, unknown, unknown>,
  formatVersion: number | undefined,
): WireStepResult {
  const output = returned instanceof StepResultBuilder ? returned.output : (returned ?? {});
  const versioned = (data: unknown) => ({
    ...(formatVersion === undefined ? {} : { format_version: formatVersion }),
    data: data as JsonValue,
  });
  return {
    ...(output.events === undefined ? {} : { events: output.events.map(versioned) }),
    ...(output.auxState === undefined ? {} : { aux_state: versioned(output.auxState) }),
    ...(output.timer === undefined ? {} : { timer: wireTimerOf(output.timer) }),
    ...(output.response === undefined ? {} : { response: output.response as JsonValue }),
    ...(output.remove === undefined ? {} : { remove: output.remove }),
  };
}

function wireTimerOf(change: TimerChange): WireTimerAction {
  if (change.action !== "set") return { action: change.action };
  const when =
    "timeoutMs" in change ? { timeout_ms: change.timeoutMs } : { deadline: instantText(change.deadline) };
  return {
    action: "set",
    ...when,
    ...(change.range === undefined ? {} : { range: change.range }),
    ...(change.processor === undefined ? {} : { processor: change.processor }),
    ...(change.step === undefined ? {} : { step: change.step }),
  };
}

function instantText(deadline: string | Date): string {
  return typeof deadline === "string"
    ? deadline
    : formatInstantUs(deadline.getTime() * MICROSECONDS_PER_MILLISECOND);
}
