/**
 * Readers of the parts of a request that the schemas leave as text: page sizes within their named limits, search
 * cursors, instants, the namespace a query names. Each refusal is a typed error, answered by the error table.
 */
import { InvalidRequestError, LimitExceededError, NamespaceNotFoundError } from "../../core/errors.js";
import { parseTimestampUs } from "../../core/time.js";
import type { EngineApi } from "../../engine/engine-api.js";

/** A page size from the query: the default when absent, LimitExceededError (naming the limit) above the most. */
export function pageSizeOf(
  text: string | undefined,
  page: { limit: string; fallback: number; max: number },
): number {
  if (text === undefined) return page.fallback;
  const size = Number(text);
  if (size > page.max) throw new LimitExceededError(page.limit, size, page.max);
  return size;
}

export function wholeNumberOf(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

export function instantOf(text: string | undefined, field: string): number | undefined {
  return text === undefined ? undefined : parseTimestampUs(text, field, { requireUtc: false });
}

/** Queries that read storage directly must check the namespace themselves; the engine's operations do. */
export function requireNamespace(engine: EngineApi, namespace: string): void {
  if (!engine.namespaces().includes(namespace)) throw new NamespaceNotFoundError(namespace);
}

/** A search cursor is the last id of the previous page, base64url: opaque to clients, exact for any id. */
export function cursorOf(machineId: string): string {
  return Buffer.from(machineId, "utf8").toString("base64url");
}

export function cursorIdOf(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const machineId = Buffer.from(cursor, "base64url").toString("utf8");
  if (machineId.length === 0 || machineId.includes("\u0000") || cursorOf(machineId) !== cursor) {
    throw new InvalidRequestError("cursor is not a next_cursor this API gave", "cursor");
  }
  return machineId;
}

/** Ids never hold U+0000 (PostgreSQL text cannot), so a prefix with one matches nothing and is refused. */
export function idPrefixOf(prefix: string | undefined): string | undefined {
  if (prefix?.includes("\u0000")) throw new InvalidRequestError("prefix must not contain U+0000", "prefix");
  return prefix;
}
