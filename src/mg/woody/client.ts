/**
 * Client side of woody: calls one service at one URL over a keep-alive connection pool, sends the context
 * headers, enforces the deadline as a request timeout, and turns every outcome into a result, a
 * WoodyBusinessError or a WoodySystemError exactly as machinegun-protocol.md §3.7 classifies it.
 */
import { ThriftDecodeError, ThriftEncodeError } from "../thrift/errors.js";
import { decodeReply, encodeCall } from "../thrift/message.js";
import type { ServiceName, ThriftSchema } from "../thrift/schema.js";
import { serviceSchemaOf } from "../thrift/schema.js";
import { childContext, contextHeaders, type WoodyContext } from "./context.js";
import { classOfStatus, WoodyBusinessError, WoodySystemError } from "./errors.js";
import { decodeErrorReason, THRIFT_CONTENT_TYPE, WOODY_HEADER } from "./headers.js";
import { ConnectionPool, exchange, type HttpAnswer, type WoodyTlsOptions } from "./http-exchange.js";
import type { MethodMapOf } from "./service-router.js";

/** MG's processor client defaults: a pool of 50 connections, idle ones closed after 4 s. */
export const CLIENT_POOL_SIZE_DEFAULT = 50;
export const CLIENT_KEEP_ALIVE_MS_DEFAULT = 4000;
/** Without a deadline a call still ends: MG's default processing timeout. */
export const CLIENT_TIMEOUT_MS_DEFAULT = 30_000;
export const CLIENT_RESPONSE_BYTES_MAX_DEFAULT = 16 * 1024 * 1024;
/** woody clients always send seqid 0. */
const SEQID = 0;

export type { WoodyTlsOptions };

export interface WoodyClientOptions<Methods> {
  readonly schema: ThriftSchema;
  readonly service: ServiceName<Methods>;
  readonly url: string;
  readonly poolSize?: number;
  readonly keepAliveMs?: number;
  readonly timeoutMsDefault?: number;
  readonly responseBytesMax?: number;
  /** For `https:` URLs: the PEM text of the CAs to trust (default: the system's), and a client certificate. */
  readonly tls?: WoodyTlsOptions;
  /** The current instant in µs, to turn deadlines into timeouts. */
  readonly nowUs: () => number;
}

export interface WoodyCallOptions {
  /** The context of the request being served; the call becomes its child span. Absent: a new trace. */
  readonly context?: WoodyContext;
  /** Absolute deadline in µs, sent as `woody.deadline` and enforced as the request timeout. */
  readonly deadlineUs?: number;
  readonly abortSignal?: AbortSignal;
  /** The W3C trace context to send (`traceparent`, `tracestate`), in place of the served request's. */
  readonly trace?: Readonly<Record<string, string>>;
}

export interface WoodyClient<Methods extends MethodMapOf<Methods>> {
  /** Resolves with the result; rejects with WoodyBusinessError or WoodySystemError. */
  call<Method extends keyof Methods & string>(
    method: Method,
    args: Methods[Method]["args"],
    options?: WoodyCallOptions,
  ): Promise<Methods[Method]["success"]>;
  /**
   * As `call`, with the answer's HTTP headers beside the result (a WoodySystemError of an answer that arrived
   * carries them too): where optional extensions of a peer ride, which a plain woody peer never sends.
   */
  callWithHeaders<Method extends keyof Methods & string>(
    method: Method,
    args: Methods[Method]["args"],
    options?: WoodyCallOptions,
  ): Promise<{ value: Methods[Method]["success"]; headers: AnswerHeaders }>;
  /** Closes the pooled connections. */
  close(): void;
}

/**
 * The keep-alive connection pool of a client of one URL (woody's, or an HTTP-JSON processor's): at most `poolSize`
 * connections, idle ones closed after `keepAliveMs` (MG's keep-alive timeout), HTTPS with the given CAs and client
 * certificate for an `https:` URL.
 */
export function clientPool(
  url: URL,
  options: { readonly poolSize?: number; readonly keepAliveMs?: number; readonly tls?: WoodyTlsOptions },
): ConnectionPool {
  return new ConnectionPool(url, {
    connections: options.poolSize ?? CLIENT_POOL_SIZE_DEFAULT,
    keepAliveMs: options.keepAliveMs ?? CLIENT_KEEP_ALIVE_MS_DEFAULT,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  });
}

export function createWoodyClient<Methods extends MethodMapOf<Methods>>(
  options: WoodyClientOptions<Methods>,
): WoodyClient<Methods> {
  const service = serviceSchemaOf(options.schema, options.service);
  const url = new URL(options.url);
  const pool = clientPool(url, options);
  const responseBytesMax = options.responseBytesMax ?? CLIENT_RESPONSE_BYTES_MAX_DEFAULT;

  async function callWithHeaders(
    method: string,
    args: object,
    callOptions: WoodyCallOptions = {},
  ): Promise<{ value: unknown; headers: AnswerHeaders }> {
    const schema = service.functions[method];
    if (schema === undefined) throw new Error(`${service.name} has no method ${method}`);
    let timeoutMs = options.timeoutMsDefault ?? CLIENT_TIMEOUT_MS_DEFAULT;
    if (callOptions.deadlineUs !== undefined) {
      timeoutMs = Math.floor((callOptions.deadlineUs - options.nowUs()) / 1000);
      if (timeoutMs <= 0) throw new WoodySystemError("resource unavailable", "internal", "deadline reached");
    }
    let body: Uint8Array;
    try {
      body = encodeCall(options.schema, schema, args, { seqid: SEQID });
    } catch (error) {
      if (!(error instanceof ThriftEncodeError)) throw error;
      throw new WoodySystemError(
        "result unexpected",
        "internal",
        `arguments cannot be encoded: ${error.message}`,
      );
    }
    const child = childContext(callOptions.context, callOptions.deadlineUs);
    const context = callOptions.trace === undefined ? child : { ...child, trace: callOptions.trace };
    const headers = {
      "content-type": THRIFT_CONTENT_TYPE,
      accept: THRIFT_CONTENT_TYPE,
      ...contextHeaders(context),
    };
    const answer = await exchange({
      url,
      pool,
      headers,
      body,
      timeoutMs,
      responseBytesMax,
      abortSignal: callOptions.abortSignal,
    });
    const value = outcomeOf(answer, (replyBody) =>
      decodeReply(options.schema, schema, replyBody, { seqid: SEQID }),
    );
    return { value, headers: answer.headers };
  }

  return {
    call: (async (method: string, args: object, callOptions?: WoodyCallOptions) =>
      (await callWithHeaders(method, args, callOptions)).value) as WoodyClient<Methods>["call"],
    callWithHeaders: callWithHeaders as WoodyClient<Methods>["callWithHeaders"],
    close: () => void pool.destroy(),
  };
}

/** An answer's HTTP headers, names in lower case. */
export type AnswerHeaders = HttpAnswer["headers"];

/** §3.7 for an answer that arrived: 200 is decoded, any other status is a system error. */
function outcomeOf(
  answer: HttpAnswer,
  decode: (body: Uint8Array) => ReturnType<typeof decodeReply>,
): unknown {
  if (answer.status !== 200) {
    const classHeader = header(answer, WOODY_HEADER.ERROR_CLASS);
    const reason = header(answer, WOODY_HEADER.ERROR_REASON);
    const details =
      reason === undefined
        ? `HTTP ${answer.status} without woody.error-reason: the server does not speak woody`
        : `HTTP ${answer.status}: ${decodeErrorReason(reason)}`;
    throw new WoodySystemError(classOfStatus(answer.status, classHeader), "external", details, {
      answerHeaders: answer.headers,
    });
  }
  let outcome: ReturnType<typeof decodeReply>;
  try {
    outcome = decode(answer.body);
  } catch (error) {
    if (!(error instanceof ThriftDecodeError)) throw error;
    throw new WoodySystemError("result unexpected", "external", `reply cannot be decoded: ${error.message}`, {
      cause: error,
    });
  }
  if (outcome.kind === "exception") throw new WoodyBusinessError(outcome.typeName, outcome.value as object);
  return outcome.value;
}

function header(answer: HttpAnswer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
