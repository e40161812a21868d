/**
 * Names on NATS for outbox records: subjects, JetStream message ids and header values. Namespaces and machine ids
 * are arbitrary text, so each is escaped into one subject token that dots, spaces and wildcards cannot break.
 *
 * Token encoding: the characters `A–Z a–z 0–9 _ -` stand for themselves; every other character becomes `%XX`
 * for each byte of its UTF-8 form (upper-case hex), `%` included; the empty string becomes the lone token `%`.
 * So `invoice-1` stays `invoice-1`, `a.b c` becomes `a%2Eb%20c`, `*` becomes `%2A`. The encoding is injective
 * (every `%` of a non-empty encoding is followed by two hex digits, so `%` alone is only the empty string), its
 * output is printable ASCII without `.`, `*`, `>`, `/`, `$` or whitespace, and decodeToken inverts it.
 */
import type { OutboxRecord } from "../sink.js";

const SAFE_CHARACTER = /^[A-Za-z0-9_-]$/;
const TOKEN = /^(?:%|(?:[A-Za-z0-9_-]|%[0-9A-F]{2})+)$/;
const EMPTY_TOKEN = "%";
const UTF8 = new TextEncoder();
const UTF8_STRICT = new TextDecoder("utf-8", { fatal: true });

/**
 * The longest subject the sink publishes, bytes: nats-server's default `max_control_line` (4096) minus 128 for
 * the rest of the `HPUB` line (reply inbox, header and total sizes). A longer subject would make the server
 * close the connection, failing every publish in flight, so the sink rejects that record instead.
 */
export const SUBJECT_BYTES_MAX = 3_968;

/** Header names the sink sets on every message, besides JetStream's `Nats-Msg-Id`. */
export const HEADER = {
  namespace: "ratchet-namespace",
  machineId: "ratchet-machine-id",
  /** Events only: the event id in decimal. */
  eventId: "ratchet-event-id",
  /** Lifecycle records only: the record's `sequence` in decimal. */
  lifecycleSequence: "ratchet-lifecycle-sequence",
} as const;

export function encodeToken(text: string): string {
  if (text.length === 0) return EMPTY_TOKEN;
  let token = "";
  for (const character of text) {
    if (SAFE_CHARACTER.test(character)) {
      token += character;
      continue;
    }
    for (const byte of UTF8.encode(character))
      token += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return token;
}

/** Inverse of encodeToken; throws RangeError on text that encodeToken cannot have produced. */
export function decodeToken(token: string): string {
  if (!TOKEN.test(token)) throw new RangeError(`${JSON.stringify(token)} is not an encoded token`);
  if (token === EMPTY_TOKEN) return "";
  const bytes: number[] = [];
  for (let index = 0; index < token.length; ) {
    if (token[index] === "%") {
      bytes.push(Number.parseInt(token.slice(index + 1, index + 3), 16));
      index += 3;
    } else {
      bytes.push(token.charCodeAt(index));
      index += 1;
    }
  }
  let text: string;
  try {
    text = UTF8_STRICT.decode(Uint8Array.from(bytes));
  } catch {
    throw new RangeError(`${JSON.stringify(token)} escapes bytes that are not UTF-8`);
  }
  if (encodeToken(text) !== token)
    throw new RangeError(`${JSON.stringify(token)} is not canonically encoded`);
  return text;
}

/** `<prefix>.<ns>.<machine id>.events` or `.lifecycle`, namespace and id encoded. */
export function recordSubject(subjectPrefix: string, record: OutboxRecord): string {
  const suffix = record.kind === "event" ? "events" : "lifecycle";
  return `${subjectPrefix}.${encodeToken(record.namespace)}.${encodeToken(record.machineId)}.${suffix}`;
}

/**
 * The JetStream message id: `<ns>/<id>/<event id>` for events, `<ns>/<id>/lifecycle/<sequence>` for lifecycle
 * records, namespace and id encoded (so the `/` separators cannot be forged). A record published again within
 * the stream's duplicate window carries the same id and JetStream drops it.
 */
export function recordMessageId(record: OutboxRecord): string {
  const machine = `${encodeToken(record.namespace)}/${encodeToken(record.machineId)}`;
  return record.kind === "event" ? `${machine}/${record.eventId}` : `${machine}/lifecycle/${record.sequence}`;
}

/** Header values: namespace and machine id encoded as tokens (header values cannot carry CR, LF or edge spaces). */
export function recordHeaders(record: OutboxRecord): [string, string][] {
  const common: [string, string][] = [
    [HEADER.namespace, encodeToken(record.namespace)],
    [HEADER.machineId, encodeToken(record.machineId)],
  ];
  if (record.kind === "event") return [...common, [HEADER.eventId, String(record.eventId)]];
  return [...common, [HEADER.lifecycleSequence, String(record.sequence)]];
}

/** A subject prefix: one or more dot-separated tokens, no wildcards, no whitespace, not a `$` system subject. */
export function isSubjectPrefix(prefix: string): boolean {
  if (prefix.startsWith("$")) return false;
  return prefix.split(".").every((token) => token.length > 0 && !/[\s*>]/.test(token));
}

/**
 * Whether a stream subject filter (which may use `*` and `>`) captures every subject this sink publishes under
 * `prefix`, that is `<prefix>.<token>.<token>.<token>` for any three tokens.
 */
export function filterCapturesRecordSubjects(filter: string, prefix: string): boolean {
  const filterTokens = filter.split(".");
  const pattern: (string | undefined)[] = [...prefix.split("."), undefined, undefined, undefined];
  for (let index = 0; index < filterTokens.length; index += 1) {
    const token = filterTokens[index];
    if (token === ">") return index === filterTokens.length - 1 && index < pattern.length;
    if (index >= pattern.length) return false;
    // A literal filter token captures only the same literal; `undefined` in the pattern stands for any token.
    if (token !== "*" && token !== pattern[index]) return false;
  }
  return filterTokens.length === pattern.length;
}

export function subjectByteLength(subject: string): number {
  return UTF8.encode(subject).byteLength;
}
