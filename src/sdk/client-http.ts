/**
 * One request of RatchetClient to the JSON API, through the global fetch (or the one given): the URL from the
 * base and the path, the headers (the client's, the Idempotency-Key), the time limit and the caller's signal.
 * Its outcome is the answer's body, or a typed error: the API's refusal (client-errors.ts), or NoAnswerError,
 * whose class says whether the request could have reached the server.
 */
import { InvalidRequestError } from "../core/errors.js";
import { apiErrorOf, NoAnswerError, problemOfAnswer } from "./client-errors.js";

export interface ClientOptions {
  /** Where Ratchet's HTTP server listens, e.g. `http://127.0.0.1:8022` (a path prefix before `/v1` is kept). */
  readonly baseUrl: string | URL;
  /** The fetch to send requests with; the global one (Node 20's) when absent. */
  readonly fetch?: typeof fetch;
  /** Sent with every request (authorization for a proxy, tracing). */
  readonly headers?: Readonly<Record<string, string>>;
  /** How long a request may wait for its answer, ms (default 60 s); a request's own `timeoutMs` overrides it. */
  readonly timeoutMs?: number;
}

export interface ClientRequestOptions {
  /** Aborts the request; it then fails with NoAnswerError (reason `aborted`). */
  readonly signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this request. */
  readonly timeoutMs?: number;
}

export interface Exchange {
  readonly method: "GET" | "POST" | "DELETE";
  /** The path below the base, its parts already encoded. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** Sent as JSON when present. */
  readonly body?: unknown;
  readonly idempotencyKey?: string | undefined;
  readonly accept?: string;
  readonly options?: ClientRequestOptions | undefined;
}

/**
 * Above the JSON API's own deadlines (a step's default is 30 s), so that the server, which knows whether the step
 * ran, answers first: a 503 or 504 says more than a client's timeout.
 */
export const CLIENT_TIMEOUT_MS_DEFAULT = 60_000;

/** Errors of a connection that never opened (Node's and undici's codes): the request cannot have been sent. */
const NOT_CONNECTED_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;
const ACCEPT_JSON = "application/json, application/problem+json";

export class ClientHttp {
  readonly #base: string;
  readonly #fetch: typeof fetch;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;

  constructor(options: ClientOptions) {
    this.#base = String(options.baseUrl).replace(/\/+$/, "");
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#headers = options.headers ?? {};
    this.#timeoutMs = options.timeoutMs ?? CLIENT_TIMEOUT_MS_DEFAULT;
  }

  /** The answer's body as JSON (null for 204). */
  async json<T>(exchange: Exchange): Promise<T> {
    const text = await this.text(exchange);
    try {
      return (text === "" ? null : JSON.parse(text)) as T;
    } catch (error) {
      throw new NoAnswerError("connection_lost", `the answer to ${describe(exchange)} is not JSON`, {
        sent: true,
        cause: error,
      });
    }
  }

  /** The answer's body as text, once it is a success; the refusal's typed error otherwise. */
  async text(exchange: Exchange): Promise<string> {
    const timeoutMs = exchange.options?.timeoutMs ?? this.#timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const caller = exchange.options?.signal;
    if (caller?.aborted === true) {
      throw new NoAnswerError("aborted", `${describe(exchange)} was aborted before it was sent`, {
        sent: false,
        cause: caller.reason,
      });
    }
    const init = {
      method: exchange.method,
      headers: this.#headersOf(exchange),
      signal: caller === undefined ? timeout : AbortSignal.any([caller, timeout]),
      ...(exchange.body === undefined ? {} : { body: JSON.stringify(exchange.body) }),
    };
    // Called as a plain function: a runtime's own fetch refuses another `this` than the global one.
    const send = this.#fetch;
    let response: Response;
    let body: string;
    try {
      response = await send(this.#urlOf(exchange), init);
      body = await response.text();
    } catch (thrown) {
      throw noAnswerOf(thrown, { exchange, timeout, timeoutMs, caller });
    }
    if (response.ok) return body;
    const problem = problemOfAnswer(response.status, response.statusText, body);
    throw apiErrorOf(problem, retryAfterMsOf(response.headers.get("retry-after")));
  }

  #urlOf(exchange: Exchange): string {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(exchange.query ?? {}))
      if (value !== undefined) query.set(name, String(value));
    const search = query.size === 0 ? "" : `?${query}`;
    return `${this.#base}${exchange.path}${search}`;
  }

  #headersOf(exchange: Exchange): Record<string, string> {
    const headers: Record<string, string> = { accept: exchange.accept ?? ACCEPT_JSON, ...this.#headers };
    if (exchange.body !== undefined) headers["content-type"] = "application/json";
    const key = exchange.idempotencyKey;
    if (key !== undefined) {
      // A header value cannot carry every character; the API takes printable ASCII (it bounds the length itself).
      if (!PRINTABLE_ASCII.test(key))
        throw new InvalidRequestError(
          "idempotencyKey must be printable ASCII, 1 character or more",
          "idempotencyKey",
        );
      headers["idempotency-key"] = key;
    }
    return headers;
  }
}

function describe(exchange: Exchange): string {
  return `${exchange.method} ${exchange.path}`;
}

/** Why fetch gave no answer, and whether the request could have gone out. */
function noAnswerOf(
  thrown: unknown,
  context: {
    exchange: Exchange;
    timeout: AbortSignal;
    timeoutMs: number;
    caller: AbortSignal | undefined;
  },
): NoAnswerError {
  const what = describe(context.exchange);
  if (context.caller?.aborted === true)
    return new NoAnswerError("aborted", `${what} was aborted`, { sent: true, cause: thrown });
  if (context.timeout.aborted)
    return new NoAnswerError("timeout", `${what}: no answer within ${context.timeoutMs} ms`, {
      sent: true,
      cause: thrown,
    });
  const code = codeOf(thrown instanceof Error ? thrown.cause : undefined);
  const message = `${what}: ${thrown instanceof Error ? thrown.message : String(thrown)}${code === undefined ? "" : ` (${code})`}`;
  return code !== undefined && NOT_CONNECTED_CODES.has(code)
    ? new NoAnswerError("connection_failed", message, { sent: false, cause: thrown })
    : new NoAnswerError("connection_lost", message, { sent: true, cause: thrown });
}

function codeOf(cause: unknown): string | undefined {
  if (typeof cause !== "object" || cause === null) return undefined;
  const code = (cause as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** Retry-After in ms: whole seconds, or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function retryAfterMsOf(header: string | null): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}
