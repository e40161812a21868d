/** Timestamps render as MG renders them, parse back exactly, and modernized events follow MG's write rules. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidRequestError, ProcessorResultInvalidError } from "../../src/core/errors.js";
import { decideModernizedContent, needsModernization } from "../../src/core/modernize.js";
import { formatTimestampSeconds, formatTimestampUs, parseTimestampUs } from "../../src/core/time.js";

test("created_at keeps µs and drops trailing zero groups (6, 3 or 0 digits)", () => {
  const base = Date.UTC(2024, 4, 15, 10, 14, 4) * 1000;
  assert.equal(formatTimestampUs(base + 123_456), "2024-05-15T10:14:04.123456Z");
  assert.equal(formatTimestampUs(base + 120_000), "2024-05-15T10:14:04.120Z");
  assert.equal(formatTimestampUs(base), "2024-05-15T10:14:04Z");
  assert.equal(formatTimestampSeconds(base + 999_999), "2024-05-15T10:14:04Z");
  assert.equal(parseTimestampUs("2024-05-15T10:14:04.123456Z", "t", { requireUtc: true }), base + 123_456);
});

test("timer deadlines must be UTC; other offsets parse where allowed", () => {
  const base = Date.UTC(2024, 0, 1) * 1000;
  assert.equal(parseTimestampUs("2024-01-01T00:00:00+00:00", "d", { requireUtc: true }), base);
  assert.equal(parseTimestampUs("2024-01-01T03:00:00+03:00", "d", { requireUtc: false }), base);
  assert.throws(
    () => parseTimestampUs("2024-01-01T03:00:00+03:00", "d", { requireUtc: true }),
    InvalidRequestError,
  );
  assert.throws(() => parseTimestampUs("yesterday", "d", { requireUtc: true }), InvalidRequestError);
});

test("modernizer rules: unversioned always written, upgrades written, same skipped, downgrades refused", () => {
  const event = (formatVersion?: number) => ({
    id: 1,
    createdAtUs: 0,
    data: new Uint8Array(),
    ...(formatVersion === undefined ? {} : { formatVersion }),
  });
  const body = (formatVersion?: number) => ({
    data: new Uint8Array([1]),
    ...(formatVersion === undefined ? {} : { formatVersion }),
  });
  assert.equal(needsModernization(event(), 2), true);
  assert.equal(needsModernization(event(1), 2), true);
  assert.equal(needsModernization(event(2), 2), false);
  assert.deepEqual(decideModernizedContent(event(), body()), body());
  assert.deepEqual(decideModernizedContent(event(1), body(2)), body(2));
  assert.equal(decideModernizedContent(event(2), body(2)), null);
  assert.throws(() => decideModernizedContent(event(2), body(1)), ProcessorResultInvalidError);
  assert.throws(() => decideModernizedContent(event(2), body()), ProcessorResultInvalidError);
});
