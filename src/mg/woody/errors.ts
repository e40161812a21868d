/**
 * woody's error model: a business error is a declared Thrift exception; a system error has a class and a source
 * (machinegun-protocol.md §3.6, §3.7). The HTTP status and header values of each live here, in one table.
 */
import { RatchetError } from "../../core/errors.js";

export type WoodyErrorClass = "resource unavailable" | "result unknown" | "result unexpected";

/** internal: this side failed (or could not reach the peer); external: the peer failed after the request went out. */
export type WoodyErrorSource = "internal" | "external";

/**
 * A system error. A client raises it per §3.7; a handler throws it to choose the response: internal
 * resource unavailable → 503, result unknown → 504, result unexpected → 500; external (a downstream call
 * failed and the failure is passed on) → 502 with the class.
 */
export class WoodySystemError extends RatchetError {
  readonly code = "woody_system_error";
  /** The HTTP headers of the answer that carried the error, when one arrived (a client's error only). */
  readonly answerHeaders: Readonly<Record<string, string | string[] | undefined>> | undefined;

  constructor(
    readonly errorClass: WoodyErrorClass,
    readonly source: WoodyErrorSource,
    readonly details: string,
    options?: ErrorOptions & {
      readonly answerHeaders?: Readonly<Record<string, string | string[] | undefined>>;
    },
  ) {
    super(`${source} ${errorClass}: ${details}`, options);
    this.answerHeaders = options?.answerHeaders;
  }
}

/**
 * A declared exception. A client raises it with the decoded exception; a handler throws it to answer 200 with
 * the exception at its `throws` id. `typeName` is the exception's short IDL name, e.g. `MachineNotFound`.
 */
export class WoodyBusinessError extends RatchetError {
  readonly code = "woody_business_error";

  constructor(
    readonly typeName: string,
    readonly exception: object = {},
  ) {
    super(`business error ${typeName}`);
  }
}

/** `woody.error-class` values, exactly as sent. */
export const ERROR_CLASS_HEADER_VALUE = Object.freeze({
  "resource unavailable": "Resource Unavailable",
  "result unknown": "Result Unknown",
  "result unexpected": "Result Unexpected",
  business: "Business Error",
} as const);

/** The response a handler's system error becomes (§3.6). */
export function responseOfSystemError(error: WoodySystemError): { status: number; errorClass: string } {
  const errorClass = ERROR_CLASS_HEADER_VALUE[error.errorClass];
  if (error.source === "external") return { status: 502, errorClass };
  const status = { "resource unavailable": 503, "result unknown": 504, "result unexpected": 500 }[
    error.errorClass
  ];
  return { status, errorClass };
}

/** The class a client reads from a non-200 status (§3.7); the header counts only on 502, case-insensitively. */
export function classOfStatus(status: number, errorClassHeader: string | undefined): WoodyErrorClass {
  if (status === 503) return "resource unavailable";
  if (status === 504) return "result unknown";
  if (status !== 502) return "result unexpected";
  switch (errorClassHeader?.toLowerCase()) {
    case "resource unavailable":
      return "resource unavailable";
    case "result unknown":
      return "result unknown";
    default:
      return "result unexpected";
  }
}
