/**
 * The Processor port: the business logic of a namespace, called once per step. A processor is a TypeScript
 * object in this process (local), or a remote service reached over woody (MG's Thrift) or HTTP.
 */
import type { HistoryRange } from "../core/history-range.js";
import type { Content, Event, Payload, RequestContext } from "../core/machine.js";
import type { StepResult } from "../core/processor-result.js";

/** The machine as a processor sees it: the requested slice of history, the aux state and the timer. */
export interface MachineView {
  readonly namespace: string;
  readonly id: string;
  readonly history: readonly Event[];
  readonly historyRange: HistoryRange;
  readonly auxState: Content;
  readonly timerDueAtUs: number | null;
}

export type ProcessorRequest =
  | { readonly kind: "init"; readonly args: Payload; readonly machine: MachineView }
  | { readonly kind: "timer"; readonly machine: MachineView }
  | {
      readonly kind: "notification";
      readonly args: Payload;
      readonly machine: MachineView;
      /** The stored notification's id; absent where the caller has none to give. */
      readonly notificationId?: string;
    }
  | { readonly kind: "call"; readonly args: Payload; readonly machine: MachineView }
  | { readonly kind: "repair"; readonly args: Payload; readonly machine: MachineView };

export interface ProcessOptions {
  /** The step must be answered by this instant (µs). */
  readonly deadlineUs: number;
  /** Trace ids and metadata of the request that caused the step. */
  readonly context?: RequestContext;
  /** Aborted when the deadline passes or the engine stops. */
  readonly abortSignal: AbortSignal;
  /** The step's name: the one its timer carries (a processor named it), else its kind. */
  readonly stepName?: string;
  /** Which attempt this is, for the steps Ratchet retries itself (timer and notification steps). */
  readonly attempt?: StepAttempt;
}

/**
 * The attempt of a step Ratchet retries itself. Init, call and repair steps have none: a caller retries those, and
 * its own idempotency key belongs in the arguments.
 */
export interface StepAttempt {
  /**
   * The same on every attempt of this step and different for every other step of any machine: the idempotency
   * key of the processor's outside effects (stepKeyOfTimer and stepKeyOfNotification in core/step-key.ts).
   */
  readonly stepKey: string;
  /** 1 for the first attempt, n + 1 after n transient failures. */
  readonly number: number;
}

export interface Processor {
  /**
   * Runs one step and returns its result. Throws ProcessorUnavailableError or ProcessorTimeoutError for
   * transient trouble (nothing is applied, the machine does not fail), RepairFailedError to refuse a repair
   * (repair only); anything else thrown fails the machine with the error's message as the reason.
   */
  process(request: ProcessorRequest, options: ProcessOptions): Promise<StepResult>;
  close?(): Promise<void>;
}

/** Upgrades stored event bodies to the namespace's current format version (MG's Modernizer). */
export interface Modernizer {
  modernizeEvent(
    request: { readonly namespace: string; readonly machineId: string; readonly event: Event },
    options: ProcessOptions,
  ): Promise<Content>;
  close?(): Promise<void>;
}
