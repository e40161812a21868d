/**
 * A node's one HTTP server: Node's own server running the node's routes (routes.ts). Connections are bounded,
 * request bodies are bounded by each route, and `close()` stops accepting, lets requests in flight finish (each
 * answered with `connection: close`), then resolves.
 */
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { wakeWaiters } from "../core/wake-signal.js";
import { createNodeRoutes, isAutomatonTarget, type NodeApp, type RoutesOptions } from "./routes.js";

export { AUTOMATON_PATH, HEALTH_PATH, METRICS_PATH, READY_PATH } from "./routes.js";

/** MG's `woody_server` defaults. */
export const CONNECTIONS_MAX_DEFAULT = 1024;
export const KEEP_ALIVE_TIMEOUT_MS_DEFAULT = 5000;
export const SHUTDOWN_TIMEOUT_MS_DEFAULT = 5000;

export interface HttpServerOptions extends Omit<RoutesOptions, "serving"> {
  /** Connections served at once; more are dropped as they arrive (MG: `max_concurrent_connections`, 1024). */
  readonly connectionsMax?: number;
  /** How long a kept-alive connection waits for its next request, ms (MG: `http_keep_alive_timeout`, 5 s). */
  readonly keepAliveTimeoutMs?: number;
  /** A connection silent this long is closed, ms; null or absent for no limit (MG: `idle_timeout`). */
  readonly idleTimeoutMs?: number | null;
  /** Serve HTTPS with this certificate and key (PEM); plain HTTP when absent. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** More routes on the same port (the JSON API, the console), added after the node's own. */
  readonly mount?: (app: NodeApp) => void;
}

export interface RatchetHttpServer {
  readonly server: http.Server;
  readonly app: NodeApp;
  /** Starts listening; resolves with the bound address (port 0 picks a free one). */
  listen(port: number, host: string): Promise<AddressInfo>;
  /**
   * Stops accepting connections, answers requests already received (each with `connection: close`), waits up
   * to `timeoutMs` for them, then closes every connection left and resolves. Safe to call more than once.
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

export function createHttpServer(options: HttpServerOptions): RatchetHttpServer {
  const requests = new RequestsInFlight();
  const { app, automaton } = createNodeRoutes({ ...options, serving: () => !requests.closing });
  options.mount?.(app);
  const listener = getRequestListener(app.fetch, { overrideGlobalObjects: false });
  const serveHttpRequest = (request: http.IncomingMessage, response: http.ServerResponse) => {
    requests.track(response);
    if (automaton !== null && isAutomatonTarget(request.url)) void automaton(request, response);
    else void listener(request, response);
  };
  const server: http.Server =
    options.tls === undefined
      ? http.createServer(serveHttpRequest)
      : https.createServer({ cert: options.tls.cert, key: options.tls.key }, serveHttpRequest);
  server.maxConnections = options.connectionsMax ?? CONNECTIONS_MAX_DEFAULT;
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? KEEP_ALIVE_TIMEOUT_MS_DEFAULT;
  server.timeout = options.idleTimeoutMs ?? 0;
  let closed: Promise<void> | undefined;

  async function closeServer(timeoutMs: number): Promise<void> {
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await requests.drain(timeoutMs);
    // Whatever is still open now is idle, or a request that outlived the shutdown timeout.
    server.closeAllConnections();
    await serverClosed;
  }

  return {
    server,
    app,
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
      requests.closing = true;
      closed ??= server.listening
        ? closeServer(closeOptions.timeoutMs ?? SHUTDOWN_TIMEOUT_MS_DEFAULT)
        : Promise.resolve();
      return closed;
    },
  };
}

/** The requests being answered; once closing, each is answered with `connection: close`. */
class RequestsInFlight {
  closing = false;
  #count = 0;
  #drained = new AbortController();

  track(response: http.ServerResponse): void {
    this.#count += 1;
    if (this.closing) response.setHeader("connection", "close");
    response.once("close", () => {
      this.#count -= 1;
      // wakeWaiters: a bare abort() built a DOMException at the end of every request.
      if (this.#count === 0) wakeWaiters(this.#drained);
    });
  }

  /** Resolves when no request is in flight, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.#count === 0) return;
    if (this.#drained.signal.aborted) this.#drained = new AbortController();
    const { signal } = this.#drained;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
