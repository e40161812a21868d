/**
 * Server side of woody: checks an incoming request in the order of machinegun-protocol.md §3.5 and decodes its
 * body into a call, or says how to reject it. Nothing is written here; response-writer.ts answers.
 */

import type { IncomingMessage } from "node:http";
import { InvalidRequestError } from "../../core/errors.js";
import { traceContextOf } from "../../core/trace-context.js";
import { BinaryReader } from "../thrift/binary-reader.js";
import { ThriftDecodeError } from "../thrift/errors.js";
import { MESSAGE_TYPE, readCallArgs, STRICT_VERSION, VERSION_MASK } from "../thrift/message.js";
import type { FunctionSchema, ServiceSchema, ThriftSchema } from "../thrift/schema.js";
import { readBodyBounded } from "./body.js";
import type { WoodyContext } from "./context.js";
import { parseDeadline } from "./deadline.js";
import { ERROR_CLASS_HEADER_VALUE } from "./errors.js";
import { THRIFT_CONTENT_TYPE, TRACE_ID_BYTES_MAX, WOODY_HEADER, WOODY_META_PREFIX } from "./headers.js";

/** woody's own default is 8 MiB; MG payloads are capped well below 16 MiB per step. */
export const REQUEST_BODY_BYTES_MAX_DEFAULT = 16 * 1024 * 1024;

export interface WoodyCall {
  readonly method: FunctionSchema;
  readonly seqid: number;
  /** The `M_args` struct by argument name; an argument the client left out is absent. */
  readonly args: Record<string, unknown>;
  readonly context: WoodyContext;
}

/** How to refuse a request: status, `woody.error-class`, `woody.error-reason`, extra headers. */
export interface Rejection {
  readonly status: number;
  readonly errorClass: string;
  readonly reason: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The body was not read to its end, so the connection cannot carry another request. */
  readonly closeConnection?: boolean;
}

export type RequestOutcome =
  | { readonly ok: true; readonly call: WoodyCall }
  | { readonly ok: false; readonly rejection: Rejection };

export interface ReadRequestOptions {
  readonly schema: ThriftSchema;
  readonly service: ServiceSchema;
  readonly bodyBytesMax?: number;
  readonly nowUs: () => number;
}

export async function readWoodyRequest(
  request: IncomingMessage,
  options: ReadRequestOptions,
): Promise<RequestOutcome> {
  const bodyBytesMax = options.bodyBytesMax ?? REQUEST_BODY_BYTES_MAX_DEFAULT;
  const declaredBytes =
    request.headers["content-length"] === undefined ? undefined : Number(request.headers["content-length"]);
  // Refused before its body is read: Node discards a body of known, bounded length after the response, so the
  // connection stays usable; any other body is not read at all and the connection is closed.
  const closeConnection = !(declaredBytes !== undefined && declaredBytes <= bodyBytesMax);
  const headerRejection = checkHeaders(request);
  if (headerRejection !== undefined) return reject({ ...headerRejection, closeConnection });
  const context = contextOf(request);
  if (typeof context === "string") return reject(badRequest(context, closeConnection));
  if (context.deadlineUs !== undefined && context.deadlineUs <= options.nowUs()) {
    const unavailable = ERROR_CLASS_HEADER_VALUE["resource unavailable"];
    return reject({ status: 503, errorClass: unavailable, reason: "deadline reached", closeConnection });
  }
  if (declaredBytes !== undefined && declaredBytes > bodyBytesMax) return reject(tooLarge(bodyBytesMax));
  const body = await readBodyBounded(request, bodyBytesMax);
  if (body.kind === "too large") return reject(tooLarge(bodyBytesMax));
  if (body.kind === "broken") return reject(badRequest(`body unreadable: ${body.error.message}`, true));
  if (body.body.byteLength === 0) return reject(badRequest("body empty", false));
  const call = decodeCall(body.body, context, options);
  return typeof call === "string" ? reject(badRequest(call, false)) : { ok: true, call };
}

/** Checks 1–3 of §3.5: method, content-type, accept. */
function checkHeaders(request: IncomingMessage): Rejection | undefined {
  const unexpected = ERROR_CLASS_HEADER_VALUE["result unexpected"];
  if (request.method !== "POST") {
    return { status: 405, errorClass: unexpected, reason: "wrong method", headers: { allow: "POST" } };
  }
  if (request.headers["content-type"] !== THRIFT_CONTENT_TYPE) {
    return { status: 415, errorClass: unexpected, reason: "wrong content type" };
  }
  const accept = request.headers.accept;
  if (accept !== undefined && accept !== THRIFT_CONTENT_TYPE) {
    return { status: 406, errorClass: unexpected, reason: "wrong client accept" };
  }
  return undefined;
}

/** Checks 4–5: trace ids present and short enough, deadline RFC 3339 UTC. Returns the reason on failure. */
function contextOf(request: IncomingMessage): WoodyContext | string {
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === "string" && Buffer.byteLength(value) <= TRACE_ID_BYTES_MAX ? value : undefined;
  };
  const traceId = header(WOODY_HEADER.TRACE_ID);
  const spanId = header(WOODY_HEADER.SPAN_ID);
  const parentId = header(WOODY_HEADER.PARENT_ID);
  if (traceId === undefined || spanId === undefined || parentId === undefined) return "bad woody. id header";
  // fromEntries defines each entry, so `woody.meta.__proto__` is kept as data rather than dropped by the setter.
  const meta: Record<string, string> = Object.fromEntries(
    Object.entries(request.headers).flatMap(([name, value]) =>
      name.startsWith(WOODY_META_PREFIX) && typeof value === "string"
        ? [[name.slice(WOODY_META_PREFIX.length), value]]
        : [],
    ),
  );
  const traced = traceOf(request);
  const ids = { traceId, spanId, parentId, meta, ...(traced === undefined ? {} : { trace: traced }) };
  const deadlineText = request.headers[WOODY_HEADER.DEADLINE];
  if (typeof deadlineText !== "string") return ids;
  try {
    return { ...ids, deadlineUs: parseDeadline(deadlineText) };
  } catch (error) {
    if (!(error instanceof InvalidRequestError)) throw error;
    return `bad woody.deadline header: ${error.message}`;
  }
}

/** The W3C trace context beside woody's ids (§3.3), when the caller sent a valid one; an invalid one is ignored. */
function traceOf(request: IncomingMessage): Readonly<Record<string, string>> | undefined {
  const single = (value: string | string[] | undefined) => (typeof value === "string" ? value : undefined);
  const trace = traceContextOf({
    traceparent: single(request.headers.traceparent),
    tracestate: single(request.headers.tracestate),
  });
  return trace.traceparent === undefined ? undefined : trace;
}

/** Check 8: strict header, CALL or ONEWAY, known method, valid arguments, nothing after them. */
function decodeCall(
  body: Uint8Array,
  context: WoodyContext,
  options: ReadRequestOptions,
): WoodyCall | string {
  const reader = new BinaryReader(body);
  try {
    const versionAndType = reader.readI32();
    if (versionAndType >= 0) return "thrift: no binary protocol version";
    if ((versionAndType & VERSION_MASK) !== STRICT_VERSION) {
      return `thrift: bad binary protocol version: ${versionAndType}`;
    }
    const type = versionAndType & 0xff;
    const name = reader.readString();
    const seqid = reader.readI32();
    if (type !== MESSAGE_TYPE.CALL && type !== MESSAGE_TYPE.ONEWAY) {
      return `thrift decode error: message type ${type} is neither CALL nor ONEWAY`;
    }
    if (name.includes(":")) return "thrift: multiplexing (not supported)";
    const method = Object.hasOwn(options.service.functions, name)
      ? options.service.functions[name]
      : undefined;
    if (method === undefined) return `thrift: unknown function: ${name}`;
    const args = readCallArgs(reader, options.schema, method);
    return { method, seqid, args, context };
  } catch (error) {
    if (error instanceof ThriftDecodeError) return `thrift decode error: ${error.message}`;
    throw error;
  }
}

function badRequest(reason: string, closeConnection: boolean): Rejection {
  return { status: 400, errorClass: ERROR_CLASS_HEADER_VALUE["result unexpected"], reason, closeConnection };
}

function tooLarge(bodyBytesMax: number): Rejection {
  const reason = `body too large: more than ${bodyBytesMax} bytes`;
  return {
    status: 413,
    errorClass: ERROR_CLASS_HEADER_VALUE["result unexpected"],
    reason,
    closeConnection: true,
  };
}

function reject(rejection: Rejection): RequestOutcome {
  return { ok: false, rejection };
}
