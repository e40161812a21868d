/**
 * A node's one HTTP server: `POST /v1/automaton` is MG's Automaton service, `GET /health` says whether the node
 * serves, `GET /metrics` (when given a registry) is Prometheus' text format, anything else is a plain 404 (machinegun-protocol.md §3.1). Connections are bounded, request bodies
 * are bounded by the woody router, and `close()` stops accepting, lets requests in flight finish, then resolves.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { EngineApi } from "../engine/engine-api.js";
import { createAutomatonService } from "../mg/automaton/automaton-service.js";

export const AUTOMATON_PATH = "/v1/automaton";
export const HEALTH_PATH = "/health";
export const METRICS_PATH = "/metrics";

/** MG's `woody_server` defaults. */
export const CONNECTIONS_MAX_DEFAULT = 1024;
export const KEEP_ALIVE_TIMEOUT_MS_DEFAULT = 5000;
export const SHUTDOWN_TIMEOUT_MS_DEFAULT = 5000;

export interface HttpServerOptions {
  readonly engine: EngineApi;
  /** The current instant in µs, to check request deadlines against. */
  readonly nowUs: () => number;
  /** Connections served at once; more are dropped as they arrive (MG: `max_concurrent_connections`, 1024). */
  readonly connectionsMax?: number;
  /** How long a kept-alive connection waits for its next request, ms (MG: `http_keep_alive_timeout`, 5 s). */
  readonly keepAliveTimeoutMs?: number;
  /** A connection silent this long is closed, ms; null or absent for no limit (MG: `idle_timeout`). */
  readonly idleTimeoutMs?: number | null;
  /** Automaton request bodies above this are refused with 413; the woody default (16 MiB) when absent. */
  readonly bodyBytesMax?: number;
  /** Sees every failure answered with 500, for logging. */
  readonly onUnexpectedError?: (error: Error, method: string) => void;
  /** Serves `GET /metrics` in Prometheus' text format when given. */
  readonly metrics?: { readonly contentType: string; metrics(): Promise<string> };
}

export interface RatchetHttpServer {
  readonly server: http.Server;
  /** Starts listening; resolves with the bound address (port 0 picks a free one). */
  listen(port: number, host: string): Promise<AddressInfo>;
  /**
   * Stops accepting connections, answers requests already received (each with `connection: close`), waits up
   * to `timeoutMs` for them, then closes every connection left and resolves. Safe to call more than once.
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

const SERVING = "serving";
const CLOSING = "closing";

export function createHttpServer(options: HttpServerOptions): RatchetHttpServer {
  const automaton = createAutomatonService({
    engine: options.engine,
    nowUs: options.nowUs,
    ...(options.bodyBytesMax === undefined ? {} : { bodyBytesMax: options.bodyBytesMax }),
    ...(options.onUnexpectedError === undefined ? {} : { onUnexpectedError: options.onUnexpectedError }),
  });
  let state: typeof SERVING | typeof CLOSING = SERVING;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  let closed: Promise<void> | undefined;

  const server = http.createServer(function serveHttpRequest(request, response) {
    inFlight += 1;
    response.once("close", () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
    if (state === CLOSING) response.setHeader("connection", "close");
    route(request, response);
  });
  server.maxConnections = options.connectionsMax ?? CONNECTIONS_MAX_DEFAULT;
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? KEEP_ALIVE_TIMEOUT_MS_DEFAULT;
  server.timeout = options.idleTimeoutMs ?? 0;

  function route(request: http.IncomingMessage, response: http.ServerResponse): void {
    const path = (request.url ?? "/").split("?", 1)[0];
    if (path === AUTOMATON_PATH) {
      void automaton(request, response);
    } else if (path === HEALTH_PATH && (request.method === "GET" || request.method === "HEAD")) {
      const healthy = state === SERVING;
      const body = { status: healthy ? "ok" : "shutting down", namespaces: options.engine.namespaces() };
      writePlain(request, response, healthy ? 200 : 503, "application/json", JSON.stringify(body));
    } else if (path === METRICS_PATH && options.metrics !== undefined && request.method === "GET") {
      const { metrics } = options;
      metrics.metrics().then(
        (text) => writePlain(request, response, 200, metrics.contentType, text),
        (error: unknown) =>
          writePlain(request, response, 503, "text/plain", `metrics unavailable: ${String(error)}\n`),
      );
    } else if (path === HEALTH_PATH) {
      response.setHeader("allow", "GET, HEAD");
      writePlain(request, response, 405, "text/plain", "method not allowed\n");
    } else {
      writePlain(request, response, 404, "text/plain", "not found\n");
    }
  }

  async function closeServer(timeoutMs: number): Promise<void> {
    state = CLOSING;
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        drained = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
    }
    // Whatever is still open now is idle, or a request that outlived the shutdown timeout.
    server.closeAllConnections();
    await serverClosed;
  }

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        server.once("error", onError);
        server.listen(port, host, () => {
          server.off("error", onError);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close(closeOptions = {}) {
      closed ??= server.listening
        ? closeServer(closeOptions.timeoutMs ?? SHUTDOWN_TIMEOUT_MS_DEFAULT)
        : Promise.resolve().then(() => {
            state = CLOSING;
          });
      return closed;
    },
  };
}

/**
 * A small answer outside woody. A request body nobody reads is drained by Node before the next request on the
 * connection; one of unknown or large size is not worth draining, so that connection is closed instead.
 */
function writePlain(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  status: number,
  contentType: string,
  body: string,
): void {
  const hasBody =
    request.headers["transfer-encoding"] !== undefined || Number(request.headers["content-length"] ?? 0) > 0;
  if (hasBody) response.setHeader("connection", "close");
  response.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  response.end(request.method === "HEAD" ? undefined : body);
}
