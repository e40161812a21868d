/**
 * The node's HTTP routes, as one Hono app: MG's Automaton service (woody) at `/v1/automaton`, `/health`, and
 * `/metrics` when given a registry; anything else is a plain 404 (machinegun-protocol.md §3.1). The JSON API
 * mounts here too. Hono on Node's own HTTP server: in-process tests call `app.request()`; the Automaton keeps the
 * raw request and response (woody reads and writes bytes), reached through the adapter's HTTP bindings.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { Hono } from "hono";
import type { EngineApi } from "../engine/engine-api.js";
import { createAutomatonService } from "../mg/automaton/automaton-service.js";

export const AUTOMATON_PATH = "/v1/automaton";
export const HEALTH_PATH = "/health";
export const METRICS_PATH = "/metrics";

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
  /** False once the node is shutting down: `/health` then answers 503. */
  readonly serving: () => boolean;
}

export type NodeApp = Hono<{ Bindings: HttpBindings }>;

export function createRoutes(options: RoutesOptions): NodeApp {
  return createNodeRoutes(options).app;
}

/**
 * The app, and the Automaton's own request listener: the node's server hands `/v1/automaton` to it directly,
 * past the router (which only passes the raw request and response through, and cost about a third of the
 * server's CPU per woody request in profiles). The route stays in the app for in-process requests.
 */
export function createNodeRoutes(options: RoutesOptions): {
  readonly app: NodeApp;
  readonly automaton: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
} {
  const automaton = createAutomatonService({
    engine: options.engine,
    nowUs: options.nowUs,
    ...(options.bodyBytesMax === undefined ? {} : { bodyBytesMax: options.bodyBytesMax }),
    ...(options.onUnexpectedError === undefined ? {} : { onUnexpectedError: options.onUnexpectedError }),
  });
  const app: NodeApp = new Hono<{ Bindings: HttpBindings }>();
  app.all(AUTOMATON_PATH, async (context) => {
    await automaton(context.env.incoming, context.env.outgoing);
    return RESPONSE_ALREADY_SENT;
  });
  app.on(["GET", "HEAD"], HEALTH_PATH, (context) => {
    const serving = options.serving();
    const body = { status: serving ? "ok" : "shutting down", namespaces: options.engine.namespaces() };
    return context.json(body, serving ? 200 : 503);
  });
  app.all(HEALTH_PATH, (context) => context.text("method not allowed\n", 405, { allow: "GET, HEAD" }));
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
  return { app, automaton };
}

/** True when a request line's target is the Automaton's path (a query string changes nothing, as in the app). */
export function isAutomatonTarget(url: string | undefined): boolean {
  if (url === undefined || !url.startsWith(AUTOMATON_PATH)) return false;
  return url.length === AUTOMATON_PATH.length || url[AUTOMATON_PATH.length] === "?";
}
