/**
 * The node's HTTP routes, as one Hono app: MG's Automaton service (woody) at `/v1/automaton`, `/health` (the
 * process answers), `/ready` (the node takes work; else 503 naming the checks that failed), and `/metrics` when
 * given a registry; anything else is a plain 404 (machinegun-protocol.md §3.1). The JSON API mounts here too. Hono on Node's own HTTP server: in-process tests call `app.request()`; the Automaton keeps the
 * raw request and response (woody reads and writes bytes), reached through the adapter's HTTP bindings.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { Hono, type MiddlewareHandler } from "hono";
import type { EngineApi } from "../engine/engine-api.js";
import { createAutomatonService } from "../mg/automaton/automaton-service.js";

export const AUTOMATON_PATH = "/v1/automaton";
export const HEALTH_PATH = "/health";
export const METRICS_PATH = "/metrics";
export const READY_PATH = "/ready";

/** One check of `/ready`: what it looked at, and in words what it found. */
export interface ReadinessCheck {
  readonly ok: boolean;
  readonly detail: string;
}

/** The checks of `/ready` by name; the node is ready when every one is ok. */
export type ReadinessChecks = Readonly<Record<string, ReadinessCheck>>;

export interface RoutesOptions {
  readonly engine: EngineApi;
  /** The current instant in µs, to check request deadlines against. */
  readonly nowUs: () => number;
  /** Automaton request bodies above this are refused with 413; the woody default (16 MiB) when absent. */
  readonly bodyBytesMax?: number;
  /** Sees every failure answered with 500, for logging. */
  readonly onUnexpectedError?: (error: Error, method: string) => void;
  /** Serves `GET /metrics` in Prometheus' text format when given. */
  readonly metrics?: { readonly contentType: string; metrics(): Promise<string> };
  /** Whether this server answers the Automaton; false when it has a listener of its own. Default true. */
  readonly automaton?: boolean;
  /** Runs before every Automaton request (a required token header); it may answer instead. */
  readonly automatonGuard?: MiddlewareHandler;
  /** The checks `/ready` runs besides its own "serving" one; none when absent. */
  readonly readiness?: () => Promise<ReadinessChecks>;
  /** False once the HTTP server is closing: `/health` and `/ready` then answer 503. */
  readonly serving: () => boolean;
}

export type NodeApp = Hono<{ Bindings: HttpBindings }>;

/**
 * The app, and the Automaton's own request listener: the node's server hands `/v1/automaton` to it directly,
 * past the router (which only passes the raw request and response through, and cost about a third of the
 * server's CPU per woody request in profiles). The route stays in the app for in-process requests, and is the
 * only way in when a token header guards it.
 */
export function createNodeRoutes(options: RoutesOptions): {
  readonly app: NodeApp;
  /** Null when the Automaton is not served here, or only behind its guard (which runs in the app). */
  readonly automaton: ((request: IncomingMessage, response: ServerResponse) => Promise<void>) | null;
} {
  const automaton = createAutomatonService({
    engine: options.engine,
    nowUs: options.nowUs,
    ...(options.bodyBytesMax === undefined ? {} : { bodyBytesMax: options.bodyBytesMax }),
    ...(options.onUnexpectedError === undefined ? {} : { onUnexpectedError: options.onUnexpectedError }),
  });
  const app: NodeApp = new Hono<{ Bindings: HttpBindings }>();
  if (options.automaton !== false) {
    if (options.automatonGuard !== undefined) app.use(AUTOMATON_PATH, options.automatonGuard);
    app.all(AUTOMATON_PATH, async (context) => {
      await automaton(context.env.incoming, context.env.outgoing);
      return RESPONSE_ALREADY_SENT;
    });
  }
  app.on(["GET", "HEAD"], HEALTH_PATH, (context) => {
    const serving = options.serving();
    const body = { status: serving ? "ok" : "shutting down", namespaces: options.engine.namespaces() };
    return context.json(body, serving ? 200 : 503);
  });
  app.all(HEALTH_PATH, (context) => context.text("method not allowed\n", 405, { allow: "GET, HEAD" }));
  app.on(["GET", "HEAD"], READY_PATH, async (context) => {
    const serving: ReadinessCheck = options.serving()
      ? { ok: true, detail: "the HTTP server takes requests" }
      : { ok: false, detail: "the HTTP server is closing" };
    const checks: ReadinessChecks = { serving, ...(await options.readiness?.()) };
    const failed = Object.keys(checks).filter((name) => checks[name]?.ok !== true);
    const body = { status: failed.length === 0 ? "ready" : "not ready", failed, checks };
    return context.json(body, failed.length === 0 ? 200 : 503);
  });
  app.all(READY_PATH, (context) => context.text("method not allowed\n", 405, { allow: "GET, HEAD" }));
  const { metrics } = options;
  if (metrics !== undefined) {
    app.get(METRICS_PATH, async (context) => {
      try {
        return context.body(await metrics.metrics(), 200, { "content-type": metrics.contentType });
      } catch (error) {
        return context.text(`metrics unavailable: ${String(error)}\n`, 503);
      }
    });
  }
  app.notFound((context) => context.text("not found\n", 404));
  const direct = options.automaton !== false && options.automatonGuard === undefined;
  return { app, automaton: direct ? automaton : null };
}

/** True when a request line's target is the Automaton's path (a query string changes nothing, as in the app). */
export function isAutomatonTarget(url: string | undefined): boolean {
  if (url === undefined || !url.startsWith(AUTOMATON_PATH)) return false;
  return url.length === AUTOMATON_PATH.length || url[AUTOMATON_PATH.length] === "?";
}
