/**
 * PostgreSQL and socket errors that mean "try again later", recognised by code (SQLSTATE or Node's system
 * error code), never by message text, and translated into the core's typed errors.
 */
import { AssertionError } from "node:assert/strict";
import pg from "pg";
import { RatchetError, StorageUnavailableError } from "../../core/errors.js";

/** Class 08, connection exception: the connection failed or broke (08000, 08003, 08006, 08001, 08004, …). */
const CONNECTION_EXCEPTION_CLASS = "08";

/** Class 53, insufficient resources: too many connections (53300), disk full (53100), out of memory (53200). */
const INSUFFICIENT_RESOURCES_CLASS = "53";

/** The server is going away or not there yet: admin_shutdown (57P01, also pg_terminate_backend),
 * crash_shutdown (57P02), cannot_connect_now (57P03, starting up or in recovery). */
const SERVER_GOING_AWAY_CODES: ReadonlySet<string> = new Set(["57P01", "57P02", "57P03"]);

/** The transaction lost a race and rolled back: serialization_failure (40001), deadlock_detected (40P01).
 * Running it again can succeed. */
const TRANSACTION_RACE_CODES: ReadonlySet<string> = new Set(["40001", "40P01"]);

/** query_canceled (57014): the configured statement_timeout ran out; the database is overloaded or blocked. */
const STATEMENT_TIMEOUT_CODES: ReadonlySet<string> = new Set(["57014"]);

/** unique_violation (23505): a row with this key exists (a machine created twice, a migration applied twice). */
export const UNIQUE_VIOLATION = "23505";

/** Socket-level failures from Node, before or outside any PostgreSQL message. */
const SOCKET_ERROR_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

export function sqlStateOf(error: unknown): string | undefined {
  return error instanceof pg.DatabaseError ? error.code : undefined;
}

/** True for errors that a later attempt, on a healthy connection, may not meet again. */
export function isTransientPostgresError(error: unknown): boolean {
  const sqlState = sqlStateOf(error);
  if (sqlState !== undefined) {
    return (
      sqlState.startsWith(CONNECTION_EXCEPTION_CLASS) ||
      sqlState.startsWith(INSUFFICIENT_RESOURCES_CLASS) ||
      SERVER_GOING_AWAY_CODES.has(sqlState) ||
      TRANSACTION_RACE_CODES.has(sqlState) ||
      STATEMENT_TIMEOUT_CODES.has(sqlState)
    );
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && SOCKET_ERROR_CODES.has(code);
}

/** A failure of the socket itself (reset, refused, broken pipe), before or outside any PostgreSQL message. */
export function isSocketError(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return false;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && SOCKET_ERROR_CODES.has(code);
}

/**
 * Translates a driver error. `connectionLost` says the client reported its connection broken while the work
 * ran: node-postgres then fails the pending queries with a plain Error that carries no code at all.
 */
export function translatePostgresError(error: unknown, connectionLost: boolean): unknown {
  // Typed errors and broken invariants pass unchanged, even if the connection happened to break meanwhile.
  if (error instanceof RatchetError || error instanceof AssertionError) return error;
  if (connectionLost || isTransientPostgresError(error)) {
    const code = sqlStateOf(error) ?? (error as { code?: unknown } | null)?.code ?? "connection lost";
    return new StorageUnavailableError(`postgres: ${String(code)}`, { cause: error });
  }
  return error;
}
