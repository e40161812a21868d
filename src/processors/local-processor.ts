/**
 * Local processors: the namespace's logic as TypeScript functions in this process, one per kind of step.
 * A kind without a handler fails the machine, as an MG processor that does not implement it would.
 */
import { ProcessorFailedError } from "../core/errors.js";
import type { Content, Payload } from "../core/machine.js";
import type { StepResult, TimerAction } from "../core/processor-result.js";
import { TIMER_UNCHANGED } from "../core/processor-result.js";
import type { MachineView, ProcessOptions, Processor, ProcessorRequest } from "./processor.js";

type Handler<Args> = (
  input: Args & { readonly machine: MachineView },
  options: ProcessOptions,
) => Partial<StepResult> | Promise<Partial<StepResult>>;

export interface LocalHandlers {
  readonly init?: Handler<{ readonly args: Payload }>;
  readonly call?: Handler<{ readonly args: Payload }>;
  readonly repair?: Handler<{ readonly args: Payload }>;
  readonly timer?: Handler<object>;
  readonly notification?: Handler<{ readonly args: Payload }>;
}

/** Fills the parts of a result a handler left out: no events, aux state kept, timer unchanged, no removal. */
export function stepResult(partial: Partial<StepResult>): StepResult {
  return {
    events: partial.events ?? [],
    ...(partial.auxState === undefined ? {} : { auxState: partial.auxState }),
    timer: partial.timer ?? TIMER_UNCHANGED,
    remove: partial.remove ?? false,
    ...(partial.response === undefined ? {} : { response: partial.response }),
  };
}

export function localProcessor(handlers: LocalHandlers): Processor {
  return {
    async process(request: ProcessorRequest, options: ProcessOptions): Promise<StepResult> {
      const handler = handlers[request.kind] as Handler<object> | undefined;
      if (handler === undefined)
        throw new ProcessorFailedError(`the processor has no ${request.kind} handler`);
      return stepResult(await handler(request, options));
    },
  };
}

/** What a set timer may say beyond when: the processor of its step, and the step's name. */
type TimerExtra = { processor?: string; step?: string };

/** Timer actions by name, for handlers. */
export const timer = {
  after: (timeoutMs: number, extra: TimerExtra = {}): TimerAction => ({
    kind: "set",
    timeoutMs,
    ...extra,
  }),
  at: (deadlineUs: number, extra: TimerExtra = {}): TimerAction => ({
    kind: "set",
    deadlineUs,
    ...extra,
  }),
  now: (extra: TimerExtra = {}): TimerAction => ({ kind: "set", timeoutMs: 0, ...extra }),
  unset: (): TimerAction => ({ kind: "unset" }),
};

export function content(data: Payload, formatVersion?: number): Content {
  return formatVersion === undefined ? { data } : { formatVersion, data };
}
