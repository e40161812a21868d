/**
 * What a step function gets from its machine's runner: the machine under the lease the step began with, and the
 * runner's services around the processor call and the commit. Step functions (steps/*.ts) own the decisions of
 * one kind of step; the runner owns the queue, the lease and the decision to chain.
 */
import type { HistoryRange } from "../core/history-range.js";
import { selectEventSpan } from "../core/history-range.js";
import type { JournalKind, JournalOutcome } from "../core/journal.js";
import type { MachineRecord, Payload, RequestContext } from "../core/machine.js";
import type { StepKind } from "../core/step.js";
import type { ProcessorRequest, StepAttempt } from "../processors/processor.js";
import type { EngineContext } from "./engine-context.js";
import type { ProcessorAnswer, StepWatch } from "./engine-observer.js";
import type { HeldLease, LeasedMachine, StepToCommit } from "./leased-machine.js";
import type { Namespace } from "./namespace.js";
import { processorFor, processorNameFor } from "./namespace.js";
import type { ProcessorOutcome } from "./processor-call.js";
import { callProcessor } from "./processor-call.js";
import { errorClassOf } from "./step-journal.js";
import type { StepOutcome } from "./step-outcome.js";
import { stepOutcomeOf } from "./step-outcome.js";

export interface InvokeOptions {
  readonly record: MachineRecord;
  readonly request: { readonly kind: StepKind; readonly args?: Payload; readonly notificationId?: string };
  /** The history handed to the processor. */
  readonly range: HistoryRange;
  /** The step's own deadline; the call's is earlier when the lease would expire sooner. */
  readonly deadlineUs: number;
  readonly context?: RequestContext;
  /** The processor the timer being run named, if any. */
  readonly timerRoute?: string;
  /** Timer and notification steps: which attempt of the step this is. */
  readonly attempt?: StepAttempt;
}

/** What the journal records of the step being run; the step fills in the processor it calls. */
export interface JournaledAttempt {
  readonly kind: JournalKind;
  readonly name: string;
  readonly attempt: number;
  readonly startedAtUs: number;
  /** The processor called, by name; null until one is. */
  processor: string | null;
  /** Whether a commit of the step has recorded it. */
  committed: boolean;
}

export interface StepCommitOptions {
  /** Keep the lease after the commit even when no more work waits. */
  readonly keepLease?: boolean;
  /** How the journal records the step: committed (the default), or the failure the commit records. */
  readonly outcome?: JournalOutcome;
  readonly error?: Error;
}

export interface StepRun {
  readonly engine: EngineContext;
  readonly namespace: Namespace;
  readonly machine: LeasedMachine;
  readonly held: HeldLease;
  readonly attempt: JournaledAttempt;
  /** The observer's watch of this step; null when nothing observes it. */
  readonly watch: StepWatch | null;
  /** Commits under the held lease with the step's journal entry; the runner decides whether to keep the lease. */
  commit(step: StepToCommit, options?: StepCommitOptions): Promise<void>;
}

/** Builds the machine view, calls the routed processor, and passes the fault points around the call. */
export async function invokeProcessor(run: StepRun, options: InvokeOptions): Promise<ProcessorOutcome> {
  const { record, request, range } = options;
  const history = await run.machine.historyFor(record, selectEventSpan(range, 1, record.lastEventId));
  const machine = {
    namespace: record.namespace,
    id: record.id,
    history,
    historyRange: range,
    auxState: record.auxState,
    timerDueAtUs: record.timer?.dueAtUs ?? null,
  };
  const fault = { namespace: record.namespace, machineId: record.id, kind: request.kind };
  await run.engine.faults.reach("beforeProcessorCall", fault);
  const route = {
    stepName: run.attempt.name,
    ...(options.timerRoute === undefined ? {} : { timerRoute: options.timerRoute }),
  };
  const processorName = processorNameFor(run.namespace, request.kind, route);
  run.attempt.processor = processorName;
  const processor = processorFor(run.namespace, request.kind, route);
  const { watch } = run;
  const context =
    watch === null
      ? options.context
      : (watch.processorCalling(processorName, run.engine.clock.nowUs()) ?? options.context);
  const outcome = await callProcessor(
    run.engine.clock,
    processor,
    { ...request, machine } as ProcessorRequest,
    {
      deadlineUs: run.machine.callDeadlineUs(options.deadlineUs),
      leaseLost: run.held.lost,
      stepName: run.attempt.name,
      ...(context === undefined ? {} : { context }),
      ...(options.attempt === undefined ? {} : { attempt: options.attempt }),
    },
  );
  if (watch !== null) watch.processorAnswered(answerOf(outcome, run.engine.clock.nowUs()));
  await run.engine.faults.reach("afterProcessorBeforeCommit", fault);
  return outcome;
}

function answerOf(outcome: ProcessorOutcome, endedAtUs: number): ProcessorAnswer {
  if (outcome.kind === "result") return { endedAtUs, outcome: "ok", errorClass: null };
  return { endedAtUs, outcome: "error", errorClass: errorClassOf(outcome.error) };
}

/** The processor's answer checked and applied to `record`, as of now. */
export function outcomeOfStep(
  run: StepRun,
  record: MachineRecord,
  outcome: ProcessorOutcome,
  options: { kind: StepKind; context?: RequestContext },
): StepOutcome {
  return stepOutcomeOf(run.namespace, record, outcome, {
    kind: options.kind,
    nowUs: run.engine.clock.nowUs(),
    ...(options.context === undefined ? {} : { context: options.context }),
  });
}
