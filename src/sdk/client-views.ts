/**
 * What RatchetClient returns: the JSON API's answers in TypeScript's spelling (camelCase), as the processor's side
 * of the SDK spells the same things (TypedEvent, auxState). Instants stay RFC 3339 text with six fraction digits:
 * a Date would drop the microseconds. Payloads are natural JSON values, exactly as the API answered them.
 */
import type { JournalOutcome } from "../core/journal.js";
import type { MachineStatus } from "../core/machine.js";
import type { JsonValue } from "../mg/msgpack/natural-json.js";
import type {
  WireEvent,
  WireFigures,
  WireFlow,
  WireMachine,
  WireMachinePage,
  WireNamespaceList,
  WireNotificationList,
  WireStepPage,
} from "./client-wire.js";
import type { TypedEvent } from "./machine-view.js";

export interface Machine {
  readonly namespace: string;
  readonly id: string;
  readonly status: MachineStatus;
  /** Why the machine failed and the status it had; null unless failed. */
  readonly failure: {
    readonly reason: string;
    readonly previousStatus: "idle" | "waiting" | "retrying";
    readonly failedAt: string;
  } | null;
  /** Why the machine is paused, and by what: a retry policy that ran out, or `operator`; null unless paused. */
  readonly pause: { readonly reason: string; readonly by: string; readonly pausedAt: string } | null;
  /** The machine's timer: when it is due, and the named step and processor it runs; null when none is set. */
  readonly timer: {
    readonly dueAt: string;
    readonly step: string | null;
    readonly processor: string | null;
  } | null;
  /** The retry series of a failed timer step; null unless retrying. */
  readonly retry: {
    readonly attempt: number;
    readonly firstFailedAt: string;
    readonly dueAt: string;
    readonly lastError: string;
  } | null;
  readonly auxState: JsonValue;
  readonly auxStateFormatVersion: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly lastEventId: number;
  /** The page of history asked for (the first 100 events by default). */
  readonly events: readonly TypedEvent<JsonValue>[];
  /** Pass as `after` for the next page of events; null when this page reaches the end. */
  readonly nextAfter: number | null;
}

export interface MachineSummary {
  readonly id: string;
  readonly status: MachineStatus;
  readonly failureReason: string | null;
  readonly timerDueAt: string | null;
  readonly lastEventId: number;
  readonly updatedAt: string;
}

export interface MachinePage {
  /** Machines by id. */
  readonly machines: readonly MachineSummary[];
  /** Pass as `cursor` for the next page; null on the last one. */
  readonly nextCursor: string | null;
}

export interface PendingNotification {
  readonly id: string;
  /** Failed deliveries so far. */
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly lastError: string | null;
  readonly createdAt: string;
}

export interface NamespaceCounts {
  readonly name: string;
  /** Machines by status, each count stopping at `countsCappedAt` (a count equal to it means at least that many). */
  readonly machineCounts: Readonly<Record<MachineStatus, number>>;
  readonly countsCappedAt: number;
  /** Counts are cached briefly (2 s): when these were counted. */
  readonly countedAt: string;
  /** Machines whose timer is due within the next minute (overdue ones included), capped like the counts. */
  readonly timersDueNextMinute: number;
}

/** One entry of a machine's step journal. */
export interface JournalStep {
  /** 1, 2, 3, … per machine. */
  readonly stepNumber: number;
  /** init, call, repair, timer, notification, or an operator's step (simple_repair, remove, pause, …). */
  readonly kind: string;
  /** The step's name: the one its timer carried, else its kind. */
  readonly name: string;
  readonly processor: string | null;
  readonly attempt: number;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly durationMs: number;
  readonly outcome: JournalOutcome;
  readonly errorClass: string | null;
  readonly errorText: string | null;
  readonly eventsAppended: number;
}

export interface StepPage {
  readonly steps: readonly JournalStep[];
  /** Pass as `after` for the next page; null on the last one. */
  readonly nextAfter: number | null;
}

export interface StepFigures {
  /** Visits: a step and its retries count once. */
  readonly count: number;
  readonly attempts: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly failureRate: number;
  readonly retryRate: number;
  /** Whether the namespace's declared flow has it; null without a declared flow. */
  readonly declared: boolean | null;
}

/** The steps that really happened in a namespace over a window, folded from the journal. */
export interface Flow {
  readonly namespace: string;
  readonly since: string;
  readonly until: string;
  /** Journal entries folded. */
  readonly entries: number;
  /** True when the window held more entries than one fold reads. */
  readonly truncated: boolean;
  readonly nodes: readonly (StepFigures & { readonly step: string })[];
  readonly edges: readonly (StepFigures & { readonly from: string; readonly to: string })[];
}

export function eventOf(event: WireEvent): TypedEvent<JsonValue> {
  return {
    id: event.id,
    createdAt: event.created_at,
    formatVersion: event.format_version,
    data: event.data,
  };
}

export function machineOf(wire: WireMachine): Machine {
  const { failure, pause, timer, retry } = wire;
  return {
    namespace: wire.namespace,
    id: wire.id,
    status: wire.status,
    failure:
      failure === null
        ? null
        : { reason: failure.reason, previousStatus: failure.previous_status, failedAt: failure.failed_at },
    pause: pause === null ? null : { reason: pause.reason, by: pause.by, pausedAt: pause.paused_at },
    timer: timer === null ? null : { dueAt: timer.due_at, step: timer.step, processor: timer.processor },
    retry:
      retry === null
        ? null
        : {
            attempt: retry.attempt,
            firstFailedAt: retry.first_failed_at,
            dueAt: retry.due_at,
            lastError: retry.last_error,
          },
    auxState: wire.aux_state.data,
    auxStateFormatVersion: wire.aux_state.format_version,
    createdAt: wire.created_at,
    updatedAt: wire.updated_at,
    lastEventId: wire.last_event_id,
    events: wire.events.map(eventOf),
    nextAfter: wire.next_after,
  };
}

export function machinePageOf(wire: WireMachinePage): MachinePage {
  return {
    machines: wire.machines.map((machine) => ({
      id: machine.id,
      status: machine.status,
      failureReason: machine.failure_reason,
      timerDueAt: machine.timer_due_at,
      lastEventId: machine.last_event_id,
      updatedAt: machine.updated_at,
    })),
    nextCursor: wire.next_cursor,
  };
}

export function notificationsOf(wire: WireNotificationList): PendingNotification[] {
  return wire.notifications.map((notification) => ({
    id: notification.id,
    attempts: notification.attempts,
    nextAttemptAt: notification.next_attempt_at,
    lastError: notification.last_error,
    createdAt: notification.created_at,
  }));
}

export function namespacesOf(wire: WireNamespaceList): NamespaceCounts[] {
  return wire.namespaces.map((namespace) => ({
    name: namespace.name,
    machineCounts: namespace.machine_counts,
    countsCappedAt: namespace.counts_capped_at,
    countedAt: namespace.counted_at,
    timersDueNextMinute: namespace.timers_due_next_minute,
  }));
}

export function stepPageOf(wire: WireStepPage): StepPage {
  return {
    steps: wire.steps.map((step) => ({
      stepNumber: step.step_number,
      kind: step.kind,
      name: step.name,
      processor: step.processor,
      attempt: step.attempt,
      startedAt: step.started_at,
      endedAt: step.ended_at,
      durationMs: step.duration_ms,
      outcome: step.outcome,
      errorClass: step.error_class,
      errorText: step.error_text,
      eventsAppended: step.events_appended,
    })),
    nextAfter: wire.next_after,
  };
}

function figuresOf(wire: WireFigures): StepFigures {
  return {
    count: wire.count,
    attempts: wire.attempts,
    p50Ms: wire.p50_ms,
    p95Ms: wire.p95_ms,
    failureRate: wire.failure_rate,
    retryRate: wire.retry_rate,
    declared: wire.declared,
  };
}

export function flowOf(wire: WireFlow): Flow {
  return {
    namespace: wire.namespace,
    since: wire.since,
    until: wire.until,
    entries: wire.entries,
    truncated: wire.truncated,
    nodes: wire.nodes.map((node) => ({ step: node.step, ...figuresOf(node) })),
    edges: wire.edges.map((edge) => ({ from: edge.from, to: edge.to, ...figuresOf(edge) })),
  };
}
