/**
 * One HTTP or HTTPS POST with a deadline, classified the way woody classifies transport failures (§3.7): anything
 * that happens before the request is written to a connection (refused, DNS, a TLS handshake that fails, waiting
 * for a pooled connection) is resource unavailable (internal), anything after is result unknown (external). Both
 * are transient for the engine, never fatal. The response body is read with a byte cap.
 *
 * Over undici's dispatch API, on a connection pool per URL (ConnectionPool): the request's bytes and the answer's
 * chunks pass through one handler, with no stream objects per request. Against Node's http.request this took a
 * fifth off the CPU of a serving node per woody call, and a quarter off its woody processor's.
 *
 * A request waits for a free connection in the pool's own queue, never in undici's: one given up there (its
 * deadline, its abort) is simply dropped, where undici could only abort it once a connection was assigned, which
 * closes that connection, so an overloaded pool would keep reconnecting.
 */
import { type Dispatcher, Pool } from "undici";
import { WoodySystemError } from "./errors.js";

export type AnswerHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface HttpAnswer {
  readonly status: number;
  /** Names in lower case; a repeated header's values in an array. */
  readonly headers: AnswerHeaders;
  readonly body: Uint8Array;
}

export interface ExchangeOptions {
  readonly url: URL;
  /** The connection pool of the URL's origin. */
  readonly pool: ConnectionPool;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  /** Give up after this long; the request may have been executed if it was sent. */
  readonly timeoutMs: number;
  readonly responseBytesMax: number;
  readonly abortSignal?: AbortSignal;
}

export interface ConnectionPoolOptions {
  /** Connections at most; a request beyond them waits for one (within its deadline). */
  readonly connections: number;
  /** An idle connection is closed after this long, whatever the server's keep-alive hint says. */
  readonly keepAliveMs: number;
  readonly tls?: WoodyTlsOptions;
}

/** For `https:` URLs: the PEM text of the CAs to trust (default: the system's), and a client certificate. */
export interface WoodyTlsOptions {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** The keep-alive connections to one URL's origin, and the requests waiting for one of them. */
export class ConnectionPool {
  readonly dispatcher: Dispatcher;
  #free: number;
  /** Requests waiting for a connection, first come first served. */
  readonly #waiting = new Set<() => void>();

  constructor(url: URL, options: ConnectionPoolOptions) {
    this.#free = options.connections;
    this.dispatcher = new Pool(url.origin, {
      connections: options.connections,
      keepAliveTimeout: options.keepAliveMs,
      keepAliveMaxTimeout: options.keepAliveMs,
      // The deadline is the only timer of a request (exchange's own), as with woody.
      headersTimeout: 0,
      bodyTimeout: 0,
      ...(url.protocol === "https:" && options.tls !== undefined ? { connect: { ...options.tls } } : {}),
    });
  }

  /**
   * Runs `start` once a connection is the caller's: now if one is free, else when one is released. The function
   * returned takes the request out of the queue if it has not started (it is then never sent).
   */
  whenFree(start: () => void): () => void {
    if (this.#free > 0) {
      this.#free -= 1;
      start();
      return () => {};
    }
    this.#waiting.add(start);
    return () => this.#waiting.delete(start);
  }

  /** A started request is done with its connection: the first waiting request takes it. */
  release(): void {
    for (const next of this.#waiting) {
      this.#waiting.delete(next);
      next();
      return;
    }
    this.#free += 1;
  }

  /** Closes the connections; requests in flight fail. */
  async destroy(): Promise<void> {
    this.#waiting.clear();
    await this.dispatcher.destroy();
  }
}

/** setTimeout fires at once for longer delays (a signed 32-bit count of ms); a later deadline waits this long. */
const TIMER_DELAY_MS_MAX = 2 ** 31 - 1;

export function exchange(options: ExchangeOptions): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    /** The request is being written to a connection: from here on the server may execute it. */
    let connected = false;
    let settled = false;
    let released = false;
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let headers: AnswerHeaders = {};
    const chunks: Buffer[] = [];
    let receivedBytes = 0;

    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.abortSignal?.removeEventListener("abort", onAbort);
      leaveQueue();
      outcome();
    };
    /** The request's connection is free again (its answer read, or its failure met): once. */
    const release = () => {
      if (released) return;
      released = true;
      options.pool.release();
    };
    /** Ends the exchange with `error`; a request not yet started is never sent (see onRequestStart). */
    const end = (error: WoodySystemError) => {
      settle(() => reject(error));
      controller?.abort(error);
    };
    const fail = (why: string, cause?: unknown) =>
      end(
        connected
          ? new WoodySystemError("result unknown", "external", why, { cause })
          : new WoodySystemError("resource unavailable", "internal", why, { cause }),
      );
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
    let leaveQueue = () => {};
    if (options.abortSignal?.aborted === true) return onAbort();
    options.abortSignal?.addEventListener("abort", onAbort, { once: true });

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        // Given up while its connection was being opened or freed: it goes no further, nothing of it is written.
        if (settled) started.abort(new Error("given up before it was sent"));
        else connected = true;
      },
      onResponseStart(_, statusCode, responseHeaders) {
        status = statusCode;
        headers = responseHeaders;
      },
      onResponseData(_, chunk) {
        if (settled) return;
        receivedBytes += chunk.byteLength;
        if (receivedBytes > options.responseBytesMax) {
          const why = `response above ${options.responseBytesMax} bytes`;
          end(new WoodySystemError("result unexpected", "external", why));
          return;
        }
        chunks.push(chunk);
      },
      onResponseEnd() {
        const answer = { status, headers, body: new Uint8Array(Buffer.concat(chunks, receivedBytes)) };
        // undici frees the connection only on the next turn of the event loop (setImmediate, after this returns);
        // a request started at once would open a second connection. Released and answered a turn later, the next
        // request reuses it.
        settle(() =>
          setImmediate(() =>
            setImmediate(() => {
              release();
              resolve(answer);
            }),
          ),
        );
      },
      onResponseError(_, error: NodeJS.ErrnoException) {
        release();
        if (settled) return;
        const code = error.code ?? "error";
        fail(status === 0 ? `${code}: ${error.message}` : `response broken: ${error.message}`, error);
      },
    };
    const start = () => {
      try {
        options.pool.dispatcher.dispatch(
          {
            origin: options.url.origin,
            path: `${options.url.pathname}${options.url.search}`,
            method: "POST",
            headers: options.headers,
            body: options.body,
          },
          handler,
        );
      } catch (error) {
        release();
        fail(`the request could not be made: ${(error as Error).message}`, error);
      }
    };
    leaveQueue = options.pool.whenFree(start);
  });
}
