/**
 * Typed failures of the Thrift codec. A decode error means the bytes broke the protocol or the schema (the edge
 * answers 400 or treats the reply as unexpected); an encode error means a value does not fit its schema.
 */
import { RatchetError } from "../../core/errors.js";

/** Bytes that are not a valid encoding of the expected type; `path` names where, outermost first. */
export class ThriftDecodeError extends RatchetError {
  readonly code = "thrift_decode_error";
  readonly path: string[];

  constructor(
    readonly problem: string,
    path: string[] = [],
  ) {
    super(describe(problem, path));
    this.path = path;
  }

  /** The same problem one level further out, so the message reads `Machine.history[2].data: …`. */
  within(segment: string): ThriftDecodeError {
    return new ThriftDecodeError(this.problem, [segment, ...this.path]);
  }
}

/** A value that cannot be encoded by its schema (missing required field, wrong type, NaN). */
export class ThriftEncodeError extends RatchetError {
  readonly code = "thrift_encode_error";
  readonly path: string[];

  constructor(
    readonly problem: string,
    path: string[] = [],
  ) {
    super(describe(problem, path));
    this.path = path;
  }

  within(segment: string): ThriftEncodeError {
    return new ThriftEncodeError(this.problem, [segment, ...this.path]);
  }
}

function describe(problem: string, path: string[]): string {
  if (path.length === 0) return problem;
  return `${path.join("").replace(/^\./, "")}: ${problem}`;
}
