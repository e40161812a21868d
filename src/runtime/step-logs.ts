/**
 * One log line per step this node ran: namespace, machine id, kind and name of step, attempt, processor, outcome
 * and error class, duration, and the trace it belongs to (the W3C trace id, and woody's when the request came
 * over woody). A committed or skipped step is logged at debug; a transient failure, a lost lease or a refused
 * commit at warn; a fatal failure or an unclassed error at error. Payloads and error texts are left out: a
 * processor's error text may quote its input.
 */
import type { RequestContext } from "../core/machine.js";
import { MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import { traceIdOfContext } from "../core/trace-context.js";
import type {
  EngineObserver,
  StepEnd,
  StepEndOutcome,
  StepStart,
  StepWatch,
} from "../engine/engine-observer.js";
import { WOODY_HEADER } from "../mg/woody/headers.js";
import type { Logger } from "./logger.js";

const LEVEL_OF_OUTCOME: Readonly<Record<StepEndOutcome, "debug" | "warn" | "error">> = {
  committed: "debug",
  skipped: "debug",
  transient_error: "warn",
  lease_lost: "warn",
  refused: "warn",
  fatal_error: "error",
  error: "error",
};

export function stepLogObserver(logger: Logger): EngineObserver {
  // Whether anything is logged at all is decided per step: a warn-level node still logs the failures.
  return {
    stepStarted: (start) => (logger.isLevelEnabled("warn") ? new StepLogWatch(logger, start) : null),
    timerFired: () => {},
    commitFlushed: () => {},
    leaseTakenOver: (lease) => logger.info({ ...lease }, "lease taken over"),
  };
}

class StepLogWatch implements StepWatch {
  constructor(
    private readonly logger: Logger,
    private readonly start: StepStart,
  ) {}

  processorCalling(): undefined {}

  processorAnswered(): void {}

  committing(): void {}

  committed(): void {}

  stepEnded(end: StepEnd): void {
    const level = LEVEL_OF_OUTCOME[end.outcome];
    if (!this.logger.isLevelEnabled(level)) return;
    const { start } = this;
    this.logger[level](
      {
        namespace: start.namespace,
        machineId: start.machineId,
        kind: start.kind,
        step: start.name,
        attempt: start.attempt,
        processor: end.processor,
        outcome: end.outcome,
        errorClass: end.errorClass,
        durationMs: (end.endedAtUs - start.startedAtUs) / MICROSECONDS_PER_MILLISECOND,
        ...traceFieldsOf(start.context),
      },
      "step",
    );
  }
}

function traceFieldsOf(context: RequestContext | undefined): { traceId?: string; woodyTraceId?: string } {
  if (context === undefined) return {};
  const traceId = traceIdOfContext(context);
  const woodyTraceId = context[WOODY_HEADER.TRACE_ID];
  return {
    ...(traceId === undefined ? {} : { traceId }),
    ...(woodyTraceId === undefined ? {} : { woodyTraceId }),
  };
}
