/**
 * Server side of woody: writes the responses of machinegun-protocol.md §3.6. A reply is always a REPLY message
 * with status 200; every other failure is an HTTP status with the two error headers and no body. Never a Thrift
 * EXCEPTION message: woody clients treat that as a protocol violation.
 */
import type { ServerResponse } from "node:http";
import { ERROR_CLASS_HEADER_VALUE } from "./errors.js";
import { encodeErrorReason, THRIFT_CONTENT_TYPE, WOODY_HEADER } from "./headers.js";
import type { Rejection } from "./request-reader.js";

/** 200 with a REPLY; a business error also names the exception type in the headers. */
export function writeReply(response: ServerResponse, body: Uint8Array, businessErrorTypeName?: string): void {
  const headers: Record<string, string | number> = {
    "content-type": THRIFT_CONTENT_TYPE,
    "content-length": body.byteLength,
  };
  if (businessErrorTypeName !== undefined) {
    headers[WOODY_HEADER.ERROR_CLASS] = ERROR_CLASS_HEADER_VALUE.business;
    headers[WOODY_HEADER.ERROR_REASON] = encodeErrorReason(businessErrorTypeName);
  }
  response.writeHead(200, headers);
  response.end(body);
}

/** A status with `woody.error-class` and `woody.error-reason`, and no body. */
export function writeError(response: ServerResponse, rejection: Rejection): void {
  const headers: Record<string, string | number> = {
    ...rejection.headers,
    [WOODY_HEADER.ERROR_CLASS]: rejection.errorClass,
    [WOODY_HEADER.ERROR_REASON]: encodeErrorReason(rejection.reason),
    "content-length": 0,
  };
  if (rejection.closeConnection === true) headers.connection = "close";
  response.writeHead(rejection.status, headers);
  response.end();
}
