/**
 * Woody requests to the Automaton, right and wrong in every part the server checks (machinegun-protocol.md §3.5:
 * method, content type, accept, trace ids, deadline, body size, body), and a model of the answer each must get:
 * the status of the first failed check, or the decoded call with its context.
 */
import fc from "fast-check";
import { MICROSECONDS_PER_MILLISECOND } from "../../src/core/time.js";
import { hostile } from "./byte-mutations.js";
import { type CallInput, validCallsOf } from "./thrift-targets.js";

/** The request body limit the targets run with: small, so the 413 path is cheap to reach. */
export const BODY_BYTES_MAX = 2048;

export interface DeadlineFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly fraction: string;
  readonly offset: string;
}

export interface WoodyRequestInput {
  readonly method: string;
  /** Lower case, as Node presents them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly metaHeaders: Readonly<Record<string, string>>;
  /** The deadline's fields when its header is an RFC 3339 shape (valid or not); absent for other text. */
  readonly deadline?: DeadlineFields;
  readonly body: Uint8Array;
  /** The call the body encodes when it is intact. */
  readonly call?: CallInput;
}

/**
 * What the server must answer: a rejection's status (and whether it closes the connection, as a body not read
 * to its end must), a decoded call, or, for a damaged body, either a call or 400.
 */
export type ExpectedAnswer =
  | { readonly kind: "status"; readonly status: number; readonly close: boolean }
  | { readonly kind: "call"; readonly deadlineUs?: number }
  | { readonly kind: "call or 400"; readonly deadlineUs?: number };

const TOKEN = fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,10}$/);
/** Header text as it can travel on the wire: visible ASCII, inner spaces, nothing at either end to trim. */
const HEADER_TEXT = fc.stringMatching(/^([!-~]([ !-~]{0,80}[!-~])?)?$/);

/** Mostly the right value, so that most requests get past the header checks to the body. */
function mostly<T>(right: fc.Arbitrary<T>, ...wrong: fc.Arbitrary<T>[]): fc.Arbitrary<T> {
  return fc.oneof({ weight: 10 * wrong.length, arbitrary: right }, ...wrong);
}

const contentType = mostly(
  fc.constant("application/x-thrift"),
  fc.constantFrom("application/x-thrift; charset=utf-8", "application/json", ""),
);
const accept = mostly(
  fc.constantFrom(undefined, "application/x-thrift"),
  fc.constantFrom("*/*", "text/plain"),
);
const traceId = mostly(
  fc.stringMatching(/^[0-9a-zA-Z-]{0,20}$/),
  fc.constant(undefined),
  fc.stringMatching(/^[a-z0-9]{60,70}$/),
  HEADER_TEXT,
);

const anyDeadlineFields: fc.Arbitrary<DeadlineFields> = fc.record({
  year: fc.integer({ min: 1970, max: 2250 }),
  month: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 99 })),
  day: fc.oneof(fc.integer({ min: 1, max: 28 }), fc.integer({ min: 0, max: 39 })),
  hour: fc.oneof(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 99 })),
  minute: fc.oneof(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 99 })),
  second: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 99 })),
  fraction: fc.oneof(fc.constant(""), fc.stringMatching(/^\.[0-9]{1,9}$/)),
  offset: fc.constantFrom("Z", "Z", "z", "+00:00", "-00:00", "+03:00", "-01:30"),
});

/** Deadlines well in the future that name a real instant. */
const futureDeadlineFields: fc.Arbitrary<DeadlineFields> = fc.record({
  year: fc.integer({ min: 2100, max: 2250 }),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 28 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
  second: fc.integer({ min: 0, max: 59 }),
  fraction: fc.oneof(fc.constant(""), fc.stringMatching(/^\.[0-9]{1,9}$/)),
  offset: fc.constant("Z"),
});

export function deadlineText(fields: DeadlineFields): string {
  const two = (number: number) => String(number).padStart(2, "0");
  const { year, month, day, hour, minute, second, fraction, offset } = fields;
  return `${year}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}${fraction}${offset}`;
}

const deadline = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: futureDeadlineFields.map((fields) => ({ fields, text: deadlineText(fields) })) },
  { weight: 2, arbitrary: anyDeadlineFields.map((fields) => ({ fields, text: deadlineText(fields) })) },
  { weight: 1, arbitrary: HEADER_TEXT.map((text) => ({ fields: undefined, text: `x${text}` })) },
);

const bodies = fc.oneof(
  { weight: 6, arbitrary: hostile(validCallsOf("state_processing.Automaton")) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        validCallsOf("state_processing.Automaton"),
        fc.uint8Array({ minLength: BODY_BYTES_MAX, maxLength: BODY_BYTES_MAX + 64 }),
      )
      .map(([call, padding]) => ({
        ...call,
        bytes: new Uint8Array(Buffer.concat([call.bytes, padding])),
        intact: false,
      })),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

export const woodyRequestArbitrary: fc.Arbitrary<WoodyRequestInput> = fc
  .record({
    method: mostly(fc.constant("POST"), fc.constantFrom("GET", "PUT", "DELETE")),
    contentType,
    accept,
    traceId,
    spanId: traceId,
    parentId: fc.oneof(fc.constant("undefined"), traceId),
    deadline,
    meta: fc.dictionary(
      fc.oneof(TOKEN, fc.constantFrom("__proto__", "constructor", "hasownproperty")),
      HEADER_TEXT,
      {
        maxKeys: 3,
        noNullPrototype: true,
      },
    ),
    body: bodies,
  })
  .map((parts): WoodyRequestInput => {
    const headers: Record<string, string> = { "content-type": parts.contentType };
    const set = (name: string, value: string | undefined) => {
      if (value !== undefined) headers[name] = value;
    };
    set("accept", parts.accept);
    set("woody.trace-id", parts.traceId);
    set("woody.span-id", parts.spanId);
    set("woody.parent-id", parts.parentId);
    set("woody.deadline", parts.deadline?.text);
    const metaHeaders = Object.fromEntries(
      Object.entries(parts.meta).map(([key, text]) => [`woody.meta.${key}`, text]),
    );
    return {
      method: parts.method,
      headers: { ...headers, ...metaHeaders },
      metaHeaders,
      ...(parts.deadline?.fields !== undefined && { deadline: parts.deadline.fields }),
      body: parts.body?.bytes ?? new Uint8Array(),
      ...(parts.body?.intact === true && { call: parts.body }),
    };
  });

/** The instant an RFC 3339 shape names in µs, cut to milliseconds; undefined when it names no instant. */
export function deadlineUsOf(fields: DeadlineFields): number | undefined {
  const { year, month, day, hour, minute, second, fraction } = fields;
  const daysInMonth = month >= 1 && month <= 12 ? new Date(Date.UTC(year, month, 0)).getUTCDate() : 0;
  if (day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 60) return undefined;
  const milliseconds = Number(fraction.slice(1).padEnd(3, "0").slice(0, 3));
  return (Date.UTC(year, month - 1, day, hour, minute, second) + milliseconds) * MICROSECONDS_PER_MILLISECOND;
}

export interface ArrivedBody {
  /** The bytes the reader received. */
  readonly body: Uint8Array;
  /** The content-length header, when there was one. */
  readonly declaredBytes?: number;
  /** The stream failed (reset, aborted) after `body`. */
  readonly broken?: boolean;
}

/** The answer of the server for a request whose body arrived as described, per §3.5's order of checks. */
export function expectedAnswer(
  input: WoodyRequestInput,
  arrived: ArrivedBody,
  nowUs: number,
): ExpectedAnswer {
  const { headers } = input;
  const { body, declaredBytes } = arrived;
  // Refused before the body is read: the connection survives only a body of known, bounded length.
  const unread = !(declaredBytes !== undefined && declaredBytes <= BODY_BYTES_MAX);
  const status = (code: number, close = unread): ExpectedAnswer => ({ kind: "status", status: code, close });
  if (input.method !== "POST") return status(405);
  if (headers["content-type"] !== "application/x-thrift") return status(415);
  if (headers.accept !== undefined && headers.accept !== "application/x-thrift") return status(406);
  const ids = [headers["woody.trace-id"], headers["woody.span-id"], headers["woody.parent-id"]];
  if (ids.some((id) => id === undefined || Buffer.byteLength(id) > 64)) return status(400);
  let deadlineUs: number | undefined;
  if (headers["woody.deadline"] !== undefined) {
    const utc = ["Z", "z", "+00:00", "-00:00"].includes(input.deadline?.offset ?? "");
    deadlineUs = input.deadline === undefined || !utc ? undefined : deadlineUsOf(input.deadline);
    if (deadlineUs === undefined) return status(400);
    if (deadlineUs <= nowUs) return status(503);
  }
  if (declaredBytes !== undefined && declaredBytes > BODY_BYTES_MAX) return status(413, true);
  if (body.byteLength > BODY_BYTES_MAX) return status(413, true);
  if (arrived.broken === true) return status(400, true);
  if (body.byteLength === 0) return status(400, false);
  const deadlinePart = deadlineUs === undefined ? {} : { deadlineUs };
  const intact = input.call !== undefined && Buffer.from(body).equals(input.body);
  return intact ? { kind: "call", ...deadlinePart } : { kind: "call or 400", ...deadlinePart };
}
