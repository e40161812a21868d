/**
 * The W3C trace context of a JSON API request (`traceparent`, `tracestate`), handed to the engine with every
 * request the route makes, so its steps (and the timers and notifications it schedules) join the caller's trace.
 * A middleware keeps the headers' context for the request's async scope; the engine the routes see adds it to
 * their options.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { MiddlewareHandler } from "hono";
import { traceContextOf } from "../../core/trace-context.js";
import { aroundRequests } from "../../engine/around-requests.js";
import type { EngineApi } from "../../engine/engine-api.js";

type TraceContext = Readonly<Record<string, string>>;

export interface RequestTraceContext {
  readonly middleware: MiddlewareHandler;
  /** `engine`, with each request's trace context added to the context of what it runs. */
  readonly engine: EngineApi;
}

export function requestTraceContext(engine: EngineApi): RequestTraceContext {
  const current = new AsyncLocalStorage<TraceContext>();
  return {
    middleware: async function acceptTraceContext(context, next) {
      const trace = traceContextOf({
        traceparent: context.req.header("traceparent"),
        tracestate: context.req.header("tracestate"),
      });
      if (trace.traceparent === undefined) return next();
      return current.run(trace, next);
    },
    engine: aroundRequests(engine, (_target, options, run) => {
      const trace = current.getStore();
      if (trace === undefined) return run(options);
      return run({ ...options, context: { ...options?.context, ...trace } } as typeof options);
    }),
  };
}
