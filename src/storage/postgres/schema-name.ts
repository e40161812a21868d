/**
 * The configured schema name: the only identifier Ratchet ever writes into SQL text. It is checked and quoted
 * once, here, when options are read; statements take the quoted form and nothing else.
 */
import assert from "node:assert/strict";

/** A schema name already quoted as a PostgreSQL identifier; only `quoteSchemaName` makes one. */
export type QuotedSchemaName = string & { readonly quotedSchemaName: unique symbol };

export const DEFAULT_SCHEMA_NAME = "ratchet";

/** PostgreSQL truncates identifiers to NAMEDATALEN − 1 bytes; a longer name would silently alias another. */
const IDENTIFIER_BYTES_MAX = 63;

const utf8 = new TextEncoder();

function assertIdentifier(name: string, what: string): void {
  assert.ok(name.length > 0, `${what} must not be empty`);
  assert.ok(!name.includes("\u0000"), `${what} must not contain U+0000`);
  const bytes = utf8.encode(name).byteLength;
  assert.ok(bytes <= IDENTIFIER_BYTES_MAX, `${what} is ${bytes} bytes, above ${IDENTIFIER_BYTES_MAX}`);
}

/** Double-quote quoting: any name (case, dots, quotes) stays exactly itself and cannot end the identifier. */
export function quoteSchemaName(name: string): QuotedSchemaName {
  assertIdentifier(name, "schema name");
  return `"${name.replaceAll('"', '""')}"` as QuotedSchemaName;
}

/** The LISTEN/NOTIFY channel of a schema; storages on one database and schema wake each other through it. */
export function wakeChannelOf(schemaName: string): string {
  const channel = `${schemaName}.wake`;
  assertIdentifier(channel, "wake channel (schema name + '.wake')");
  return channel;
}

/** `LISTEN` takes the channel as an identifier, not a parameter, so it is quoted like the schema. */
export function quoteChannel(channel: string): string {
  assertIdentifier(channel, "channel");
  return `"${channel.replaceAll('"', '""')}"`;
}
