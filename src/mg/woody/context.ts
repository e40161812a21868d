/**
 * The woody request context (trace ids, deadline, metadata) and its stored form. Ratchet keeps a request's
 * context as a RequestContext (a string record of `woody.trace-id`, `woody.span-id`, `woody.parent-id` and
 * `woody.meta.*`) with the work it schedules, so a later step calls the processor within the same trace.
 */
import { randomBytes } from "node:crypto";
import type { RequestContext } from "../../core/machine.js";
import { TRACE_CONTEXT_KEY, traceContextOf } from "../../core/trace-context.js";
import { formatDeadline } from "./deadline.js";
import { ROOT_PARENT_ID, WOODY_HEADER, WOODY_META_PREFIX } from "./headers.js";

export interface WoodyContext {
  readonly traceId: string;
  readonly spanId: string;
  /** The span that caused this one; `undefined` (the text) for a root request. */
  readonly parentId: string;
  /** Absolute deadline in µs, when the request has one. */
  readonly deadlineUs?: number;
  /** `woody.meta.<key>` entries by key; append-only along a call chain. */
  readonly meta: Readonly<Record<string, string>>;
  /** W3C `traceparent` (and `tracestate`) sent beside woody's ids, independent of them (§3.3). */
  readonly trace?: Readonly<Record<string, string>>;
}

/** Random bytes drawn for ids at a time: one call to the system's generator serves 512 ids, not one. */
const ID_POOL_BYTES = 4096;
let idPool = Buffer.alloc(0);
let idPoolOffset = 0;

/** A fresh span or trace id: the decimal form of a random 64-bit integer, as woody makes them. */
export function newWoodyId(): string {
  if (idPoolOffset + 8 > idPool.byteLength) {
    idPool = randomBytes(ID_POOL_BYTES);
    idPoolOffset = 0;
  }
  const id = idPool.readBigUInt64BE(idPoolOffset);
  idPoolOffset += 8;
  return id.toString();
}

/**
 * The context of an outgoing call made while serving `parent`: same trace, parent = the caller's span, a fresh
 * span, the caller's metadata. Without a parent the call starts a new trace.
 */
export function childContext(parent: WoodyContext | undefined, deadlineUs?: number): WoodyContext {
  const deadline = deadlineUs === undefined ? {} : { deadlineUs };
  if (parent === undefined) {
    return { traceId: newWoodyId(), spanId: newWoodyId(), parentId: ROOT_PARENT_ID, meta: {}, ...deadline };
  }
  return {
    traceId: parent.traceId,
    spanId: newWoodyId(),
    parentId: parent.spanId,
    meta: parent.meta,
    ...(parent.trace === undefined ? {} : { trace: parent.trace }),
    ...deadline,
  };
}

/** The stored form; the deadline is left out, as work scheduled for later gets a deadline of its own. */
export function toRequestContext(context: WoodyContext): RequestContext {
  const stored: Record<string, string> = {
    [WOODY_HEADER.TRACE_ID]: context.traceId,
    [WOODY_HEADER.SPAN_ID]: context.spanId,
    [WOODY_HEADER.PARENT_ID]: context.parentId,
  };
  for (const [key, value] of Object.entries(context.meta)) stored[`${WOODY_META_PREFIX}${key}`] = value;
  return context.trace === undefined ? stored : { ...stored, ...context.trace };
}

/** Reads a stored context back; undefined when it holds no trace (then a call starts a new one). */
export function fromRequestContext(stored: RequestContext | undefined): WoodyContext | undefined {
  const traceId = stored?.[WOODY_HEADER.TRACE_ID];
  const spanId = stored?.[WOODY_HEADER.SPAN_ID];
  if (stored === undefined || traceId === undefined || spanId === undefined) return undefined;
  // fromEntries defines each entry, so a `__proto__` key is kept as data rather than dropped by the setter.
  const meta: Record<string, string> = Object.fromEntries(
    Object.entries(stored).flatMap(([key, value]) =>
      key.startsWith(WOODY_META_PREFIX) ? [[key.slice(WOODY_META_PREFIX.length), value]] : [],
    ),
  );
  const trace = traceContextOf({
    traceparent: stored[TRACE_CONTEXT_KEY.TRACEPARENT],
    tracestate: stored[TRACE_CONTEXT_KEY.TRACESTATE],
  });
  const parentId = stored[WOODY_HEADER.PARENT_ID] ?? ROOT_PARENT_ID;
  return {
    traceId,
    spanId,
    parentId,
    meta,
    ...(trace.traceparent === undefined ? {} : { trace }),
  };
}

/** The request headers that carry a context (§3.3). */
export function contextHeaders(context: WoodyContext): Record<string, string> {
  const headers: Record<string, string> = {
    [WOODY_HEADER.TRACE_ID]: context.traceId,
    [WOODY_HEADER.SPAN_ID]: context.spanId,
    [WOODY_HEADER.PARENT_ID]: context.parentId,
  };
  if (context.deadlineUs !== undefined) headers[WOODY_HEADER.DEADLINE] = formatDeadline(context.deadlineUs);
  for (const [key, value] of Object.entries(context.meta)) headers[`${WOODY_META_PREFIX}${key}`] = value;
  return context.trace === undefined ? headers : { ...headers, ...context.trace };
}
