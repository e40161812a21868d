/**
 * OpenTelemetry spans of a node, exported over OTLP/HTTP (protobuf): one per request (Automaton or JSON API), per
 * step, per processor call and per step commit. Contexts are passed explicitly (W3C `traceparent` in the request
 * context), never through a global context manager, so a step chained on the lease holder or fired by the
 * scheduler joins the trace of the request that armed its timer. Nothing here runs when tracing is off: the node
 * then has no tracing observer and no request wrapper at all.
 */
import {
  type Attributes,
  type Context,
  type HrTime,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { TracingConfig } from "../config/opentelemetry.js";
import type { RequestContext } from "../core/machine.js";
import { MICROSECONDS_PER_SECOND } from "../core/time.js";
import { TRACE_CONTEXT_KEY } from "../core/trace-context.js";
import type { AroundRequest } from "../engine/around-requests.js";
import type {
  EngineObserver,
  ProcessorAnswer,
  StepEnd,
  StepEndOutcome,
  StepStart,
  StepWatch,
} from "../engine/engine-observer.js";
import { WOODY_HEADER } from "../mg/woody/headers.js";

export const SPAN_NAME = Object.freeze({
  REQUEST: "ratchet.request",
  STEP: "ratchet.step",
  PROCESSOR_CALL: "ratchet.processor_call",
  COMMIT: "ratchet.commit",
});

export const SPAN_ATTRIBUTE = Object.freeze({
  NAMESPACE: "ratchet.namespace",
  MACHINE_ID: "ratchet.machine_id",
  OPERATION: "ratchet.operation",
  STEP_KIND: "ratchet.step.kind",
  STEP_NAME: "ratchet.step.name",
  STEP_ATTEMPT: "ratchet.step.attempt",
  STEP_OUTCOME: "ratchet.step.outcome",
  PROCESSOR: "ratchet.processor",
  ERROR_CLASS: "ratchet.error_class",
  WOODY_TRACE_ID: "woody.trace_id",
});

/** Spans wait at most this long in memory before they are sent (the SDK's default is 5 s). */
const EXPORT_DELAY_MS = 1000;
const FAILED_OUTCOMES: ReadonlySet<StepEndOutcome> = new Set(["fatal_error", "error"]);

export interface NodeTracing {
  /** Follows steps, processor calls and commits. */
  readonly observer: EngineObserver;
  /** Wraps each request in its span and hands the engine the span's trace context. */
  readonly aroundRequest: AroundRequest;
  /** Sends the spans still buffered, then stops exporting. */
  shutdown(): Promise<void>;
}

/** Tracing as configured; `exporter` replaces the OTLP/HTTP exporter (tests). */
export function createNodeTracing(config: TracingConfig, exporter?: SpanExporter): NodeTracing {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": config.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(exporter ?? new OTLPTraceExporter({ url: config.tracesUrl }), {
        scheduledDelayMillis: EXPORT_DELAY_MS,
      }),
    ],
  });
  const tracer = provider.getTracer("ratchet");
  const tracing = new ContextTracing(tracer);
  return {
    observer: tracingObserver(tracing),
    aroundRequest: (target, options, run) => {
      const span = tracing.start(SPAN_NAME.REQUEST, options?.context, {
        kind: SpanKind.SERVER,
        attributes: {
          [SPAN_ATTRIBUTE.OPERATION]: target.operation,
          [SPAN_ATTRIBUTE.NAMESPACE]: target.namespace,
          [SPAN_ATTRIBUTE.MACHINE_ID]: target.machineId,
          ...woodyAttributesOf(options?.context),
        },
      });
      const context = tracing.contextWith(options?.context, span);
      return run({ ...options, context } as typeof options).then(
        (value) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          span.setStatus({ code: SpanStatusCode.ERROR, message: errorCodeOf(error) });
          span.end();
          throw error;
        },
      );
    },
    shutdown: () => provider.shutdown(),
  };
}

/** The tracer with the W3C propagator over request contexts. */
class ContextTracing {
  readonly #propagator = new W3CTraceContextPropagator();

  constructor(private readonly tracer: Tracer) {}

  /** A span whose parent is the context's `traceparent` (a new trace without one). */
  start(
    name: string,
    parent: RequestContext | Context | undefined,
    options: { kind?: SpanKind; attributes?: Attributes; startTime?: HrTime },
  ): Span {
    const parentContext = isOtelContext(parent) ? parent : this.#extract(parent);
    return this.tracer.startSpan(name, options, parentContext);
  }

  /** `context` with `traceparent` (and `tracestate`) naming `span`. */
  contextWith(context: RequestContext | undefined, span: Span): RequestContext {
    const carrier: Record<string, string> = {};
    this.#propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, {
      set: (target, key, value) => {
        target[key] = value;
      },
    });
    const rest = { ...context };
    delete rest[TRACE_CONTEXT_KEY.TRACESTATE];
    return { ...rest, ...carrier };
  }

  #extract(context: RequestContext | undefined): Context {
    if (context?.[TRACE_CONTEXT_KEY.TRACEPARENT] === undefined) return ROOT_CONTEXT;
    return this.#propagator.extract(ROOT_CONTEXT, context, {
      get: (carrier, key) => carrier[key],
      keys: (carrier) => Object.keys(carrier),
    });
  }
}

function isOtelContext(value: RequestContext | Context | undefined): value is Context {
  return value !== undefined && typeof (value as Context).getValue === "function";
}

function tracingObserver(tracing: ContextTracing): EngineObserver {
  return {
    stepStarted: (start) => new StepSpans(tracing, start),
    timerFired: () => {},
    commitFlushed: () => {},
    leaseTakenOver: () => {},
  };
}

/** The spans of one step: the step's, and its processor call's and commit's as its children. */
class StepSpans implements StepWatch {
  readonly #step: Span;
  readonly #stepContext: Context;
  #call: Span | undefined;
  #commit: Span | undefined;

  constructor(
    private readonly tracing: ContextTracing,
    private readonly start: StepStart,
  ) {
    this.#step = tracing.start(SPAN_NAME.STEP, start.context, {
      startTime: hrTimeOf(start.startedAtUs),
      attributes: {
        [SPAN_ATTRIBUTE.NAMESPACE]: start.namespace,
        [SPAN_ATTRIBUTE.MACHINE_ID]: start.machineId,
        [SPAN_ATTRIBUTE.STEP_KIND]: start.kind,
        [SPAN_ATTRIBUTE.STEP_NAME]: start.name,
        [SPAN_ATTRIBUTE.STEP_ATTEMPT]: start.attempt,
        ...woodyAttributesOf(start.context),
      },
    });
    this.#stepContext = trace.setSpan(ROOT_CONTEXT, this.#step);
  }

  processorCalling(processor: string, atUs: number): RequestContext {
    this.#call = this.tracing.start(SPAN_NAME.PROCESSOR_CALL, this.#stepContext, {
      kind: SpanKind.CLIENT,
      startTime: hrTimeOf(atUs),
      attributes: { ...this.#identity(), [SPAN_ATTRIBUTE.PROCESSOR]: processor },
    });
    return this.tracing.contextWith(this.start.context, this.#call);
  }

  processorAnswered(answer: ProcessorAnswer): void {
    const call = this.#call;
    if (call === undefined) return;
    if (answer.errorClass !== null) {
      call.setAttribute(SPAN_ATTRIBUTE.ERROR_CLASS, answer.errorClass);
      call.setStatus({ code: SpanStatusCode.ERROR, message: answer.errorClass });
    }
    call.end(hrTimeOf(answer.endedAtUs));
  }

  committing(atUs: number): void {
    this.#commit = this.tracing.start(SPAN_NAME.COMMIT, this.#stepContext, {
      startTime: hrTimeOf(atUs),
      attributes: this.#identity(),
    });
  }

  committed(atUs: number, error: Error | null): void {
    const commit = this.#commit;
    if (commit === undefined) return;
    if (error !== null) commit.setStatus({ code: SpanStatusCode.ERROR, message: errorCodeOf(error) });
    commit.end(hrTimeOf(atUs));
  }

  stepEnded(end: StepEnd): void {
    const step = this.#step;
    step.setAttribute(SPAN_ATTRIBUTE.STEP_OUTCOME, end.outcome);
    if (end.processor !== null) step.setAttribute(SPAN_ATTRIBUTE.PROCESSOR, end.processor);
    if (end.errorClass !== null) step.setAttribute(SPAN_ATTRIBUTE.ERROR_CLASS, end.errorClass);
    if (FAILED_OUTCOMES.has(end.outcome)) {
      step.setStatus({ code: SpanStatusCode.ERROR, message: end.errorClass ?? end.outcome });
    }
    step.end(hrTimeOf(end.endedAtUs));
  }

  #identity(): Attributes {
    return {
      [SPAN_ATTRIBUTE.NAMESPACE]: this.start.namespace,
      [SPAN_ATTRIBUTE.MACHINE_ID]: this.start.machineId,
    };
  }
}

/** woody's trace id beside the W3C one, so a trace can be found from either. */
function woodyAttributesOf(context: RequestContext | undefined): Attributes {
  const woodyTraceId = context?.[WOODY_HEADER.TRACE_ID];
  return woodyTraceId === undefined ? {} : { [SPAN_ATTRIBUTE.WOODY_TRACE_ID]: woodyTraceId };
}

function errorCodeOf(error: unknown): string {
  if (!(error instanceof Error)) return "error";
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : error.name;
}

/** Epoch µs as OpenTelemetry's [seconds, nanoseconds]. */
function hrTimeOf(epochUs: number): HrTime {
  const seconds = Math.floor(epochUs / MICROSECONDS_PER_SECOND);
  return [seconds, Math.round((epochUs - seconds * MICROSECONDS_PER_SECOND) * 1000)];
}
