/**
 * One HTTP or HTTPS POST with a deadline, classified the way woody classifies transport failures (§3.7): anything
 * that happens before a connection exists (refused, DNS, a TLS handshake that fails) is resource unavailable
 * (internal), anything after is result unknown (external). Both are transient for the engine, never fatal. The
 * response body is read with a byte cap.
 */
import http from "node:http";
import https from "node:https";
import { readBodyBounded } from "./body.js";
import { WoodySystemError } from "./errors.js";

export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Uint8Array;
}

export interface ExchangeOptions {
  readonly url: URL;
  /** An https.Agent for `https:` URLs. */
  readonly agent: http.Agent;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  /** Give up after this long; the request may have been executed if it was sent. */
  readonly timeoutMs: number;
  readonly responseBytesMax: number;
  readonly abortSignal?: AbortSignal;
}

/** setTimeout fires at once for longer delays (a signed 32-bit count of ms); a later deadline waits this long. */
const TIMER_DELAY_MS_MAX = 2 ** 31 - 1;

export function exchange(options: ExchangeOptions): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    let connected = false;
    let settled = false;
    const send = options.url.protocol === "https:" ? https.request : http.request;
    let request: http.ClientRequest;
    try {
      request = send(options.url, {
        method: "POST",
        agent: options.agent,
        headers: { ...options.headers, "content-length": String(options.body.byteLength) },
      });
    } catch (error) {
      const why = `the request could not be made: ${(error as Error).message}`;
      reject(new WoodySystemError("resource unavailable", "internal", why, { cause: error }));
      return;
    }
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.abortSignal?.removeEventListener("abort", onAbort);
      outcome();
    };
    const fail = (why: string, cause?: unknown) => {
      const error = connected
        ? new WoodySystemError("result unknown", "external", why, { cause })
        : new WoodySystemError("resource unavailable", "internal", why, { cause });
      settle(() => reject(error));
      request.destroy();
    };
    const onAbort = () =>
      fail(connected ? "aborted after the request was sent" : "aborted before connecting");
    const timer = setTimeout(
      () =>
        fail(
          connected
            ? `no answer within ${options.timeoutMs} ms`
            : `no connection within ${options.timeoutMs} ms`,
        ),
      Math.min(options.timeoutMs, TIMER_DELAY_MS_MAX),
    );
    if (options.abortSignal?.aborted === true) return onAbort();
    options.abortSignal?.addEventListener("abort", onAbort, { once: true });
    // Connected means the request could have reached the server: over TLS, once the handshake is done.
    request.on("socket", (socket) => {
      const secure = options.url.protocol === "https:";
      if (request.reusedSocket || (!secure && !socket.connecting)) connected = true;
      else socket.once(secure ? "secureConnect" : "connect", () => (connected = true));
    });
    request.on("error", (error: NodeJS.ErrnoException) =>
      fail(`${error.code ?? "error"}: ${error.message}`, error),
    );
    request.on(
      "response",
      (response) =>
        void readAnswer(response, options.responseBytesMax, { settle, fail, resolve, reject, request }),
    );
    request.end(options.body);
  });
}

/** Reads the answer's body within the cap and settles the exchange with it. */
async function readAnswer(
  response: http.IncomingMessage,
  responseBytesMax: number,
  exchange: {
    settle(outcome: () => void): void;
    fail(why: string, cause?: unknown): void;
    resolve(answer: HttpAnswer): void;
    reject(error: Error): void;
    request: http.ClientRequest;
  },
): Promise<void> {
  const body = await readBodyBounded(response, responseBytesMax);
  if (body.kind === "complete") {
    const answer = { status: response.statusCode ?? 0, headers: response.headers, body: body.body };
    exchange.settle(() => exchange.resolve(answer));
  } else if (body.kind === "too large") {
    const why = `response above ${responseBytesMax} bytes`;
    exchange.settle(() => exchange.reject(new WoodySystemError("result unexpected", "external", why)));
    exchange.request.destroy();
  } else {
    exchange.fail(`response broken: ${body.error.message}`, body.error);
  }
}
