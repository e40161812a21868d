/**
 * A namespace as the engine runs it: its processors and the route of each kind of step, its timeouts, retry
 * policies and limits. Built once from options by the composition root.
 */
import { NamespaceNotFoundError } from "../core/errors.js";
import type { Limits } from "../core/limits.js";
import { resolveLimits } from "../core/limits.js";
import type { RetryPolicy } from "../core/retry-policy.js";
import {
  DEFAULT_NOTIFICATION_RETRY_POLICY,
  DEFAULT_TIMER_RETRY_POLICY,
  validateRetryPolicy,
} from "../core/retry-policy.js";
import type { StepKind } from "../core/step.js";
import type { Modernizer, Processor } from "../processors/processor.js";

export const DEFAULT_PROCESSOR = "default";

export interface NamespaceOptions {
  readonly name: string;
  /** The namespace's processor: every step goes to it unless a route or a timer names another. */
  readonly processor: Processor;
  /** More processors by name, for per-step routing. */
  readonly processors?: Readonly<Record<string, Processor>>;
  /** The processor of each kind of step, by name; absent kinds go to the default processor. */
  readonly routes?: Partial<Readonly<Record<StepKind, string>>>;
  readonly modernizer?: { readonly processor: Modernizer; readonly currentFormatVersion: number };
  /** Deadline of start, call, repair and remove when the caller gives none (MG: 30 s). */
  readonly defaultProcessingTimeoutMs?: number;
  /** Deadline of a timer step (MG: 60 s). */
  readonly timerProcessingTimeoutMs?: number;
  /** Deadline of a notification step (MG: 5 s). */
  readonly notificationProcessingTimeoutMs?: number;
  readonly timerRetryPolicy?: RetryPolicy;
  readonly notificationRetryPolicy?: RetryPolicy;
  readonly limits?: Partial<Limits>;
  /** Sinks that publish this namespace's events, by name; their records go to the outbox with each step. */
  readonly eventSinks?: readonly string[];
  /** Sinks that publish this namespace's lifecycle changes (created, failed, repaired, removed). */
  readonly lifecycleSinks?: readonly string[];
  /**
   * When a caller is answered: after its step commits (the default), or, as MG does, only once the sinks have
   * acknowledged the step's records ("sink_ack": slower, and a broker outage then stalls callers, not steps).
   */
  readonly replyAfter?: "commit" | "sink_ack";
}

export interface Namespace {
  readonly name: string;
  readonly processors: ReadonlyMap<string, Processor>;
  readonly processorNames: ReadonlySet<string>;
  readonly routes: Partial<Readonly<Record<StepKind, string>>>;
  readonly modernizer: NamespaceOptions["modernizer"];
  readonly defaultProcessingTimeoutMs: number;
  readonly timerProcessingTimeoutMs: number;
  readonly notificationProcessingTimeoutMs: number;
  readonly timerRetryPolicy: RetryPolicy;
  readonly notificationRetryPolicy: RetryPolicy;
  readonly limits: Limits;
  readonly eventSinks: readonly string[];
  readonly lifecycleSinks: readonly string[];
  readonly replyAfter: "commit" | "sink_ack";
}

export function resolveNamespace(options: NamespaceOptions): Namespace {
  const processors = new Map<string, Processor>([[DEFAULT_PROCESSOR, options.processor]]);
  for (const [name, processor] of Object.entries(options.processors ?? {})) processors.set(name, processor);
  const routes = options.routes ?? {};
  for (const [kind, name] of Object.entries(routes)) {
    if (!processors.has(name)) {
      throw new Error(
        `namespace ${options.name}: route ${kind} names processor ${name}, which is not configured`,
      );
    }
  }
  return {
    name: options.name,
    processors,
    processorNames: new Set(processors.keys()),
    routes,
    modernizer: options.modernizer,
    defaultProcessingTimeoutMs: options.defaultProcessingTimeoutMs ?? 30_000,
    timerProcessingTimeoutMs: options.timerProcessingTimeoutMs ?? 60_000,
    notificationProcessingTimeoutMs: options.notificationProcessingTimeoutMs ?? 5_000,
    timerRetryPolicy: validateRetryPolicy(
      options.timerRetryPolicy ?? DEFAULT_TIMER_RETRY_POLICY,
      `${options.name}.timers`,
    ),
    notificationRetryPolicy: validateRetryPolicy(
      options.notificationRetryPolicy ?? DEFAULT_NOTIFICATION_RETRY_POLICY,
      `${options.name}.notifications`,
    ),
    limits: resolveLimits(options.limits),
    eventSinks: options.eventSinks ?? [],
    lifecycleSinks: options.lifecycleSinks ?? [],
    replyAfter: options.replyAfter ?? "commit",
  };
}

/** The processor for a step: the timer's own route wins, then the namespace's route for the kind. */
export function processorFor(namespace: Namespace, kind: StepKind, timerRoute?: string): Processor {
  const name = timerRoute ?? namespace.routes[kind] ?? DEFAULT_PROCESSOR;
  const processor = namespace.processors.get(name);
  if (processor === undefined) throw new Error(`namespace ${namespace.name} has no processor ${name}`);
  return processor;
}

export class NamespaceRegistry {
  readonly #namespaces: ReadonlyMap<string, Namespace>;

  constructor(options: readonly NamespaceOptions[]) {
    this.#namespaces = new Map(options.map((entry) => [entry.name, resolveNamespace(entry)]));
  }

  get(name: string): Namespace {
    const namespace = this.#namespaces.get(name);
    if (namespace === undefined) throw new NamespaceNotFoundError(name);
    return namespace;
  }

  names(): string[] {
    return [...this.#namespaces.keys()];
  }

  all(): Namespace[] {
    return [...this.#namespaces.values()];
  }
}
