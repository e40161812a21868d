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

/** A named step's own settings; absent ones come from the kind of step, then the namespace. */
export interface StepOptions {
  /** The processor of the step, by name. */
  readonly processor?: string;
  /** Deadline of the step's processor call. */
  readonly timeoutMs?: number;
  readonly retryPolicy?: RetryPolicy;
}

/** The journal's settings of a namespace. */
export interface JournalOptions {
  /** Record every step (the default); off, nothing is recorded and no flow can be drawn. */
  readonly enabled: boolean;
  /** Entries kept per machine, newest first. */
  readonly stepsPerMachine: number;
  /** Entries older than this are pruned. */
  readonly maxAgeMs: number;
}

export const DEFAULT_JOURNAL: JournalOptions = Object.freeze({
  enabled: true,
  stepsPerMachine: 1000,
  maxAgeMs: 30 * 24 * 60 * 60 * 1000,
});

/**
 * A declared flow: the steps a namespace's machines go through and the transitions allowed between them, the
 * description of a business entity analysts, support and developers share. Strict: a step whose result names a
 * next step the flow does not allow fails the machine instead of committing.
 */
export interface DeclaredFlow {
  readonly strict: boolean;
  readonly steps: readonly string[];
  readonly transitions: readonly (readonly [from: string, to: string])[];
}

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
  /** MG's `retries.storage`: a step's storage operations that fail transiently. */
  readonly storageRetryPolicy?: RetryPolicy;
  /** Named steps: their processor, deadline and retry policy. */
  readonly steps?: Readonly<Record<string, StepOptions>>;
  readonly journal?: Partial<JournalOptions>;
  readonly flow?: DeclaredFlow;
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
  readonly steps: ReadonlyMap<string, StepOptions>;
  readonly journal: JournalOptions;
  readonly flow: DeclaredFlow | null;
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
  const steps = new Map(Object.entries(options.steps ?? {}));
  for (const [step, settings] of steps) {
    if (settings.processor !== undefined && !processors.has(settings.processor)) {
      throw new Error(
        `namespace ${options.name}: step ${step} names processor ${settings.processor}, which is not configured`,
      );
    }
    if (settings.retryPolicy !== undefined)
      validateRetryPolicy(settings.retryPolicy, `${options.name}.steps.${step}.retry`);
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
    steps,
    journal: { ...DEFAULT_JOURNAL, ...options.journal },
    flow: options.flow ?? null,
    limits: resolveLimits(options.limits),
    eventSinks: options.eventSinks ?? [],
    lifecycleSinks: options.lifecycleSinks ?? [],
    replyAfter: options.replyAfter ?? "commit",
  };
}

/** A step's name: the one its timer carried, else its kind. */
export function stepNameOf(kind: StepKind, timerStep?: string): string {
  return timerStep ?? kind;
}

/**
 * The processor of a step, by name: the named step's own, then the processor its timer named, then the route of
 * its kind, then the namespace's.
 */
export function processorNameFor(
  namespace: Namespace,
  kind: StepKind,
  options: { stepName?: string; timerRoute?: string } = {},
): string {
  const named = options.stepName === undefined ? undefined : namespace.steps.get(options.stepName)?.processor;
  return named ?? options.timerRoute ?? namespace.routes[kind] ?? DEFAULT_PROCESSOR;
}

export function processorFor(
  namespace: Namespace,
  kind: StepKind,
  options: { stepName?: string; timerRoute?: string } = {},
): Processor {
  const name = processorNameFor(namespace, kind, options);
  const processor = namespace.processors.get(name);
  if (processor === undefined) throw new Error(`namespace ${namespace.name} has no processor ${name}`);
  return processor;
}

/** The retry policy of a timer step: its named step's, else the namespace's for timers; with the policy's name. */
export function timerRetryPolicyOf(
  namespace: Namespace,
  stepName: string,
): { policy: RetryPolicy; name: string } {
  const named = namespace.steps.get(stepName)?.retryPolicy;
  return named === undefined
    ? { policy: namespace.timerRetryPolicy, name: "retries.timers" }
    : { policy: named, name: `steps.${stepName}.retry` };
}

/** The deadline of a timer step's processor call: its named step's, else the namespace's for timers. */
export function timerTimeoutMsOf(namespace: Namespace, stepName: string): number {
  return namespace.steps.get(stepName)?.timeoutMs ?? namespace.timerProcessingTimeoutMs;
}

/**
 * Whether a declared, strict flow allows `from` → `to`; true without a strict flow. A step whose result arms a
 * timer for an undeclared next step fails its machine with the reason instead of committing.
 */
export function transitionAllowed(namespace: Namespace, from: string, to: string): boolean {
  const flow = namespace.flow;
  if (flow === null || !flow.strict) return true;
  return flow.transitions.some(([declaredFrom, declaredTo]) => declaredFrom === from && declaredTo === to);
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
