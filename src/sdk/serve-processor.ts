/**
 * serveProcessor: a defined processor served over the HTTP-JSON protocol (docs/processor-protocol.md). Every POST,
 * on any path, is one step; `GET /health` answers 200. The routes are a Hono app, as the node's are: its
 * web-standard fetch handler (processorHandler) can also be mounted in an application's own server or run on
 * another runtime, while serveProcessor runs it on Node's own HTTP server.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { coerceError, ProcessorTimeoutError, ProcessorUnavailableError } from "../core/errors.js";
import { parseTimestampUs } from "../core/time.js";
import { bodyLimit } from "../http/body-limit.js";
import { parseWireRequest } from "../http/processor-protocol/protocol-schema.js";
import type { DefinedProcessor, ProcessorTypes } from "./define-processor.js";

export interface ProcessorHandlerOptions {
  /** Requests above this many bytes are refused with 413 (64 MiB: a whole history may be large). */
  readonly bodyBytesMax?: number;
  /** Sees every step that failed (answered 500), for logging; by default a line on stderr. */
  readonly onError?: (error: Error, step: { readonly kind: string; readonly machineId: string }) => void;
}

export interface ServeOptions extends ProcessorHandlerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** 127.0.0.1 unless given; `0.0.0.0` to accept connections from elsewhere. */
  readonly host?: string;
}

export interface ServedProcessor {
  /** `http://host:port`: the processor URL for the namespace's configuration. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets the steps in flight answer (up to `timeoutMs`, 5 s), then closes every connection. */
  close(options?: { readonly timeoutMs?: number }): Promise<void>;
}

export const BODY_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;
/** Ratchet closes idle connections after 4 s; staying open longer means it is always Ratchet that closes one,
 * never the server while Ratchet sends a request on it. */
const KEEP_ALIVE_TIMEOUT_MS = 5000;
const CLOSE_TIMEOUT_MS_DEFAULT = 5000;
const PROBLEM_CONTENT_TYPE = "application/problem+json";
const MILLISECONDS_PER_SECOND = 1000;
const MICROSECONDS_PER_MILLISECOND = 1000;
/** Timers take a signed 32-bit count of ms; a deadline further away than that (24.8 days) waits this long. */
const TIMER_DELAY_MS_MAX = 2 ** 31 - 1;

export function processorHandler<T extends ProcessorTypes>(
  processor: DefinedProcessor<T>,
  options: ProcessorHandlerOptions = {},
): (request: Request) => Promise<Response> {
  const app = new Hono();
  const onError = options.onError ?? logFailure;
  app.get("/health", (context) => context.json({ status: "ok" }));
  app.post(
    "*",
    bodyLimit({
      maxBytes: options.bodyBytesMax ?? BODY_BYTES_MAX_DEFAULT,
      onTooLarge: (context) => problem(context, 413, "the request is above the processor's body limit"),
    }),
    (context) => answerStep(context, processor, onError),
  );
  app.all("*", (context) => context.text("method not allowed\n", 405, { allow: "POST" }));
  app.onError((error, context) => problem(context, 500, error.message));
  return async function processorFetch(request: Request): Promise<Response> {
    return app.fetch(request);
  };
}

/** One step: the request checked, the handler run until the deadline, its answer in the protocol's terms. */
async function answerStep<T extends ProcessorTypes>(
  context: Context,
  processor: DefinedProcessor<T>,
  onError: NonNullable<ProcessorHandlerOptions["onError"]>,
): Promise<Response> {
  let json: unknown;
  try {
    json = await context.req.json();
  } catch (error) {
    return problem(context, 400, `the request is not JSON: ${coerceError(error).message}`);
  }
  const parsed = parseWireRequest(json);
  if (!parsed.ok) return problem(context, 400, `the request does not validate: ${parsed.why}`);
  const request = parsed.value;
  const step = stepSignal(request.deadline, context.req.raw.signal);
  try {
    return context.json(await processor.handle(request, step.signal), 200);
  } catch (thrown) {
    if (thrown instanceof ProcessorUnavailableError) {
      const { retryAfterMs } = thrown;
      const headers =
        retryAfterMs === undefined
          ? undefined
          : { "retry-after": String(Math.ceil(retryAfterMs / MILLISECONDS_PER_SECOND)) };
      return problem(context, 503, thrown.message, headers);
    }
    if (thrown instanceof ProcessorTimeoutError) return problem(context, 504, thrown.message);
    const error = coerceError(thrown);
    onError(error, { kind: request.kind, machineId: request.machine_id });
    return problem(context, 500, error.message);
  } finally {
    step.end();
  }
}

/**
 * A step's signal: aborted at its deadline or when Ratchet gives up on the request. One controller and one timer,
 * ended with the step: AbortSignal.any over AbortSignal.timeout made two more signals per step (creating signals
 * took about 5 % of the HTTP-JSON call benchmark's CPU, these two among them) and kept a timer until the deadline.
 */
function stepSignal(deadline: string, request: AbortSignal): { signal: AbortSignal; end(): void } {
  const deadlineMs =
    parseTimestampUs(deadline, "deadline", { requireUtc: false }) / MICROSECONDS_PER_MILLISECOND;
  const untilDeadlineMs = Math.min(TIMER_DELAY_MS_MAX, Math.max(0, Math.ceil(deadlineMs - Date.now())));
  const controller = new AbortController();
  const abort = () => controller.abort();
  const timer = setTimeout(abort, untilDeadlineMs);
  request.addEventListener("abort", abort, { once: true });
  return {
    signal: controller.signal,
    end() {
      clearTimeout(timer);
      request.removeEventListener("abort", abort);
    },
  };
}

function problem(
  context: Context,
  status: 400 | 413 | 500 | 503 | 504,
  detail: string,
  headers?: Record<string, string>,
): Response {
  const title = http.STATUS_CODES[status] ?? "Error";
  const body = JSON.stringify({ type: "about:blank", title, status, detail });
  return context.body(body, status, { "content-type": PROBLEM_CONTENT_TYPE, ...headers });
}

function logFailure(error: Error, step: { readonly kind: string; readonly machineId: string }): void {
  process.stderr.write(`processor: ${step.kind} step of ${step.machineId} failed: ${error.message}\n`);
}

export async function serveProcessor<T extends ProcessorTypes>(
  processor: DefinedProcessor<T>,
  options: ServeOptions,
): Promise<ServedProcessor> {
  let closing = false;
  const listener = getRequestListener(processorHandler(processor, options), { overrideGlobalObjects: false });
  const server = http.createServer(function serveProcessorRequest(request, response) {
    // While closing, each answer ends its connection, so the close does not wait for idle keep-alive sockets.
    if (closing) response.setHeader("connection", "close");
    void listener(request, response);
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    close(closeOptions = {}) {
      closing = true;
      closed ??= new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => server.closeAllConnections(),
          closeOptions.timeoutMs ?? CLOSE_TIMEOUT_MS_DEFAULT,
        );
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}
