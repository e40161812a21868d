/**
 * The keyset bounds of an id prefix. Both adapters compare ids by code point (SQLite's BINARY collation and
 * PostgreSQL's "C" collation compare UTF-8 bytes, which order as code points do), so the ids that begin with a
 * prefix are exactly those in [prefix, upper bound): an index range, not a scan with a filter.
 */

const CODE_POINT_MAX = 0x10ffff;
const SURROGATE_FIRST = 0xd800;
const SURROGATE_LAST = 0xdfff;

/** The least text greater than every text that begins with `prefix`; null when none exists (all U+10FFFF). */
export function prefixUpperBound(prefix: string): string | null {
  const codePoints = Array.from(prefix, (character) => character.codePointAt(0) as number);
  while (codePoints.length > 0) {
    const last = codePoints.pop() as number;
    if (last === CODE_POINT_MAX) continue;
    const next = last + 1 === SURROGATE_FIRST ? SURROGATE_LAST + 1 : last + 1;
    return String.fromCodePoint(...codePoints, next);
  }
  return null;
}
