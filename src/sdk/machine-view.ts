/**
 * What a processor written with the SDK sees of its machine: the protocol's request in TypeScript's spelling, with
 * event data and aux state as natural JSON values typed as the processor declares them. The types describe; they
 * do not check (Ratchet hands back what the processor wrote, but arguments come from callers: validate those).
 */
import type { Direction } from "../core/history-range.js";
import type { StepKind } from "../core/step.js";
import type { WireRequest } from "../http/processor-protocol/protocol-schema.js";
import { StepResultBuilder } from "./step-output.js";

export interface TypedEvent<Data> {
  /** 1, 2, 3, … per machine, without gaps. */
  readonly id: number;
  /** RFC 3339 UTC with six fraction digits: when the event was committed. */
  readonly createdAt: string;
  /** The format version the processor wrote the event with; null when it gave none. */
  readonly formatVersion: number | null;
  readonly data: Data;
}

export interface TypedMachineView<Event, AuxState> {
  readonly namespace: string;
  readonly id: string;
  /** The events of the step's history range (all of them unless the request named a range). */
  readonly history: readonly TypedEvent<Event>[];
  readonly historyRange: {
    readonly after: number | null;
    readonly limit: number | null;
    readonly direction: Direction;
  };
  /** The aux state the last step set; null before any step set one. */
  readonly auxState: AuxState | null;
  readonly auxStateFormatVersion: number | null;
  /** When the machine's timer is due (RFC 3339), or null when none is set. */
  readonly timer: string | null;
}

/** What every handler gets besides its arguments. */
export interface StepContext<Event, AuxState, Response> {
  readonly kind: StepKind;
  /** The step's name: the one its timer carried (a result named it), else its kind. */
  readonly step: string;
  readonly machine: TypedMachineView<Event, AuxState>;
  /**
   * Timer and notification steps, which Ratchet retries itself: 1 for the first attempt, n + 1 after n transient
   * failures. Null for init, call and repair, whose callers retry them.
   */
  readonly attempt: number | null;
  /**
   * Timer and notification steps: the same on every attempt of this step, different for every other step. Use it
   * (or it with a suffix per outside call) as the idempotency key of the step's outside effects.
   */
  readonly stepKey: string | null;
  /** The instant (RFC 3339) by which Ratchet needs the answer; `signal` aborts then. */
  readonly deadline: string;
  /** Aborted at the deadline, and when Ratchet stops waiting for the answer. */
  readonly signal: AbortSignal;
  /** Trace ids and metadata of the request that caused the step. */
  readonly context: Readonly<Record<string, string>>;
  /** The empty result (no events, aux state and timer kept), typed for this processor: build on it. */
  readonly result: StepResultBuilder<Event, AuxState, Response>;
}

const EMPTY_RESULT = new StepResultBuilder<never, never, never>();

export function stepContextOf<Event, AuxState, Response>(
  request: WireRequest,
  signal: AbortSignal,
): StepContext<Event, AuxState, Response> {
  return {
    kind: request.kind,
    step: request.step ?? request.kind,
    machine: machineViewOf<Event, AuxState>(request),
    attempt: request.attempt,
    stepKey: request.step_key,
    deadline: request.deadline,
    signal,
    context: request.context,
    result: EMPTY_RESULT,
  };
}

function machineViewOf<Event, AuxState>(request: WireRequest): TypedMachineView<Event, AuxState> {
  const range = request.history_range;
  return {
    namespace: request.namespace,
    id: request.machine_id,
    history: request.history.map((event) => ({
      id: event.id,
      createdAt: event.created_at,
      formatVersion: event.format_version,
      data: event.data as Event,
    })),
    historyRange: {
      after: range.after ?? null,
      limit: range.limit ?? null,
      direction: range.direction ?? "forward",
    },
    auxState: request.aux_state.data as AuxState | null,
    auxStateFormatVersion: request.aux_state.format_version,
    timer: request.timer,
  };
}
