/** SQLite error codes that mean "try again later", translated to the core's typed error. */
import { StorageUnavailableError } from "../../core/errors.js";

/** The database is locked by another connection (busy_timeout ran out) or the disk is full or failing. */
const UNAVAILABLE_CODES = new Set([
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_FULL",
  "SQLITE_IOERR",
  "SQLITE_CANTOPEN",
]);

export function translateSqliteError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && [...UNAVAILABLE_CODES].some((prefix) => code.startsWith(prefix))) {
    return new StorageUnavailableError(`sqlite: ${code}`, { cause: error });
  }
  return error;
}
