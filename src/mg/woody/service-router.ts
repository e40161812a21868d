/**
 * A woody service as a table of handlers: each method name maps to an async function of its decoded arguments
 * and the request context. The router does the protocol (checks, decoding, encoding, status codes), so a service
 * such as Automaton is only its handlers. A handler answers a declared exception by throwing WoodyBusinessError
 * and a system error by throwing WoodySystemError; anything else it throws becomes 500 Result Unexpected.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { coerceError } from "../../core/errors.js";
import { ThriftEncodeError } from "../thrift/errors.js";
import { encodeReply, type ReplyOutcome, shortName } from "../thrift/message.js";
import type { MethodTypes, ServiceName, ThriftSchema } from "../thrift/schema.js";
import { serviceSchemaOf } from "../thrift/schema.js";
import type { WoodyContext } from "./context.js";
import {
  ERROR_CLASS_HEADER_VALUE,
  responseOfSystemError,
  WoodyBusinessError,
  WoodySystemError,
} from "./errors.js";
import { type Rejection, readWoodyRequest, type WoodyCall } from "./request-reader.js";
import { writeError, writeReply } from "./response-writer.js";

/** A generated `<Service>Methods` map, e.g. stateProcessing.AutomatonMethods. */
export type MethodMapOf<Methods> = { readonly [Method in keyof Methods]: MethodTypes };

export type ServiceHandlers<Methods extends MethodMapOf<Methods>> = {
  readonly [Method in keyof Methods]: (
    args: Methods[Method]["args"],
    context: WoodyContext,
    // A void method's handler may simply return.
  ) => Promise<Methods[Method]["success"] extends undefined ? void : Methods[Method]["success"]>;
};

export interface WoodyServiceOptions<Methods extends MethodMapOf<Methods>> {
  readonly schema: ThriftSchema;
  readonly service: ServiceName<Methods>;
  readonly handlers: ServiceHandlers<Methods>;
  /** Request bodies above this are refused with 413; REQUEST_BODY_BYTES_MAX_DEFAULT when absent. */
  readonly bodyBytesMax?: number;
  /** The current instant in µs, to check deadlines against. */
  readonly nowUs: () => number;
  /** Sees every failure answered with 500, for logging; its own exceptions are swallowed. */
  readonly onUnexpectedError?: (error: Error, method: string) => void;
}

type Answer =
  | { readonly kind: "reply"; readonly body: Uint8Array; readonly businessError?: string }
  | Rejection;

type Handler = (args: object, context: WoodyContext) => Promise<unknown>;

const UNEXPECTED = ERROR_CLASS_HEADER_VALUE["result unexpected"];

/** Returns the request listener for one HTTP path; pass it to `http.createServer` or call it from a router. */
export function createWoodyService<Methods extends MethodMapOf<Methods>>(
  options: WoodyServiceOptions<Methods>,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const service = serviceSchemaOf(options.schema, options.service);
  const handlers = options.handlers as Readonly<Record<string, Handler>>;
  const answerOfThrown = (thrown: unknown, method: string): Rejection => {
    const error = coerceError(thrown);
    if (!(error instanceof WoodySystemError)) {
      try {
        options.onUnexpectedError?.(error, method);
      } catch {
        // A logging hook must never change the answer.
      }
    }
    return answerOfError(error);
  };

  return async function serveWoodyRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const outcome = await readWoodyRequest(request, { ...options, service });
      if (!outcome.ok) return writeError(response, outcome.rejection);
      const { call } = outcome;
      const answer = await answerCall(options.schema, handlers[call.method.name], call).catch(
        (thrown: unknown) => answerOfThrown(thrown, call.method.name),
      );
      if ("kind" in answer) writeReply(response, answer.body, answer.businessError);
      else writeError(response, answer);
    } catch (error) {
      if (response.headersSent) response.destroy();
      else writeError(response, answerOfThrown(error, "unknown"));
    }
  };
}

/** Runs the handler and encodes its outcome; throws what is to be answered as a system error. */
async function answerCall(
  schema: ThriftSchema,
  handler: Handler | undefined,
  call: WoodyCall,
): Promise<Answer> {
  const { method } = call;
  const missing = method.args.fields.find((field) => call.args[field.name] === undefined);
  // woody hands a missing argument to the handler as `undefined`, and MG crashes on it: 500, not 400.
  if (missing !== undefined) throw new Error(`argument ${missing.name} of ${method.name} is missing`);
  if (handler === undefined) throw new Error(`${method.name} is not implemented`);
  let outcome: ReplyOutcome;
  try {
    outcome = { kind: "success", value: await handler(call.args, call.context) };
  } catch (error) {
    if (!(error instanceof WoodyBusinessError)) throw error;
    const field = method.result.fields.find(
      (candidate) =>
        candidate.id !== 0 &&
        candidate.type.kind === "struct" &&
        shortName(candidate.type.name) === error.typeName,
    );
    if (field === undefined) throw new Error(`${method.name} does not declare ${error.typeName}`);
    outcome = { kind: "exception", field: field.name, typeName: error.typeName, value: error.exception };
  }
  try {
    const body = encodeReply(schema, method, outcome, { seqid: call.seqid });
    return { kind: "reply", body, ...(outcome.kind === "exception" && { businessError: outcome.typeName }) };
  } catch (error) {
    if (!(error instanceof ThriftEncodeError)) throw error;
    throw new Error(`the reply of ${method.name} cannot be encoded: ${error.message}`);
  }
}

/** The one mapping from a thrown error to a system-error response (§3.6). */
function answerOfError(error: Error): Rejection {
  if (error instanceof WoodySystemError) {
    const { status, errorClass } = responseOfSystemError(error);
    return { status, errorClass, reason: error.details };
  }
  return { status: 500, errorClass: UNEXPECTED, reason: error.message };
}
