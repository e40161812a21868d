/**
 * Proves the context helpers keep a request's trace across stored work and write woody's header formats: a
 * WoodyContext goes to a RequestContext and back, child spans follow §3.4, and deadlines are written with
 * exactly three fraction digits in UTC and read only when UTC.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidRequestError } from "../../../src/core/errors.js";
import {
  childContext,
  contextHeaders,
  fromRequestContext,
  toRequestContext,
} from "../../../src/mg/woody/context.js";
import { formatDeadline, parseDeadline } from "../../../src/mg/woody/deadline.js";

test("a context survives storage as a RequestContext, without its deadline", () => {
  const context = {
    traceId: "t",
    spanId: "s",
    parentId: "p",
    deadlineUs: 5,
    meta: { "user-identity.id": "u" },
  };
  const stored = toRequestContext(context);
  assert.deepEqual(stored, {
    "woody.trace-id": "t",
    "woody.span-id": "s",
    "woody.parent-id": "p",
    "woody.meta.user-identity.id": "u",
  });
  assert.deepEqual(fromRequestContext(stored), {
    traceId: "t",
    spanId: "s",
    parentId: "p",
    meta: { "user-identity.id": "u" },
  });
  assert.equal(fromRequestContext({}), undefined);
  assert.equal(fromRequestContext(undefined), undefined);
});

test("a child keeps the trace and meta, takes the caller's span as parent and gets a fresh span", () => {
  const parent = { traceId: "t", spanId: "s", parentId: "p", meta: { k: "v" } };
  const child = childContext(parent, 1_000_000);
  assert.equal(child.traceId, "t");
  assert.equal(child.parentId, "s");
  assert.match(child.spanId, /^\d{1,20}$/);
  assert.deepEqual(child.meta, { k: "v" });
  const root = childContext(undefined);
  assert.equal(root.parentId, "undefined");
  assert.notEqual(root.traceId, root.spanId);
  assert.deepEqual(contextHeaders(child), {
    "woody.trace-id": "t",
    "woody.span-id": child.spanId,
    "woody.parent-id": "s",
    "woody.deadline": "1970-01-01T00:00:01.000Z",
    "woody.meta.k": "v",
  });
});

test("deadlines are written YYYY-MM-DDTHH:MM:SS.mmmZ and read only in UTC, to the millisecond", () => {
  assert.equal(
    formatDeadline(Date.UTC(2010, 3, 11, 22, 35, 41, 29) * 1000 + 999),
    "2010-04-11T22:35:41.029Z",
  );
  assert.equal(parseDeadline("2010-04-11T22:35:41.029999Z"), Date.UTC(2010, 3, 11, 22, 35, 41, 29) * 1000);
  assert.equal(parseDeadline("2010-04-11T22:35:41+00:00"), Date.UTC(2010, 3, 11, 22, 35, 41) * 1000);
  assert.throws(() => parseDeadline("2010-04-11T22:35:41.029+01:00"), InvalidRequestError);
});
