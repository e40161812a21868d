/**
 * The HistoryRange algebra against MG's own test vectors (mg_core_events_SUITE, mg_core_dirange_SUITE) verbatim,
 * plus the IDL example and the validation of ranges that come from outside.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidRequestError } from "../../src/core/errors.js";
import type { HistoryRange } from "../../src/core/history-range.js";
import { selectEventSpan, spanIds, validateHistoryRange } from "../../src/core/history-range.js";

const ids = (first: number, last: number, range: HistoryRange) =>
  spanIds(selectEventSpan(range, first, last));

test("MG vectors: events 1..100", () => {
  assert.deepEqual(ids(1, 100, { after: 5, limit: 3, direction: "backward" }), [4, 3, 2]);
  assert.deepEqual(ids(1, 100, { after: 4, limit: 4, direction: "forward" }), [5, 6, 7, 8]);
});

test("MG vectors: events 5..10", () => {
  assert.deepEqual(ids(5, 10, { after: 11, limit: 1, direction: "forward" }), []);
  assert.deepEqual(ids(5, 10, { after: 4, limit: 1, direction: "backward" }), []);
  assert.deepEqual(ids(5, 10, { after: 1, limit: 2, direction: "forward" }), [5, 6]);
  assert.deepEqual(ids(5, 10, { after: 11, limit: 2, direction: "backward" }), [10, 9]);
});

test("MG vectors: events 1..8", () => {
  assert.deepEqual(ids(1, 8, { limit: 2, direction: "forward" }), [1, 2]);
  assert.deepEqual(ids(1, 8, { limit: 2, direction: "backward" }), [8, 7]);
  assert.deepEqual(ids(1, 8, { after: 5, limit: 5, direction: "forward" }), [6, 7, 8]);
  assert.deepEqual(ids(1, 8, { after: 6, direction: "forward" }), [7, 8]);
});

test("the IDL example: last event 11, version 1 known, delta up to version 10", () => {
  assert.deepEqual(ids(1, 11, { after: 1, limit: 9, direction: "forward" }), [2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test("limit 0, an empty history, and after beyond either end", () => {
  assert.deepEqual(ids(1, 8, { limit: 0, direction: "forward" }), []);
  assert.deepEqual(ids(1, 8, { limit: 0, direction: "backward" }), []);
  assert.deepEqual(ids(1, 0, { direction: "forward" }), []);
  assert.deepEqual(ids(1, 8, { after: 100, direction: "backward" }), [8, 7, 6, 5, 4, 3, 2, 1]);
  assert.deepEqual(ids(1, 8, { after: -5, direction: "forward" }), [1, 2, 3, 4, 5, 6, 7, 8]);
});

test("a negative limit, an unknown direction or a fractional id is refused with InvalidRequestError", () => {
  assert.throws(() => validateHistoryRange({ limit: -1 }), InvalidRequestError);
  assert.throws(() => validateHistoryRange({ direction: "sideways" }), InvalidRequestError);
  assert.throws(() => validateHistoryRange({ after: 1.5 }), InvalidRequestError);
  assert.deepEqual(validateHistoryRange({}), { direction: "forward" });
});
