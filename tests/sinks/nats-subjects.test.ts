/**
 * Proves the NATS names of outbox records are safe and unambiguous without a server: the token encoding keeps
 * plain ids readable, escapes dots, spaces, wildcards and non-ASCII, round-trips thousands of generated strings,
 * never maps two strings to one token, and message ids, headers and stream subject checks follow from it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeToken,
  encodeToken,
  filterCapturesRecordSubjects,
  isSubjectPrefix,
  recordHeaders,
  recordMessageId,
  recordSubject,
} from "../../src/sinks/nats/nats-subjects.js";
import type { OutboxRecord } from "../../src/sinks/sink.js";

const SUBJECT_SAFE = /^[A-Za-z0-9_%-]+$/;

function event(namespace: string, machineId: string, eventId: number): OutboxRecord {
  return { kind: "event", namespace, machineId, eventId, createdAtUs: 0, data: new Uint8Array() };
}

test("plain names stay readable; dots, spaces, wildcards, slashes, % and non-ASCII are escaped", () => {
  assert.equal(encodeToken("invoice-1_Abc"), "invoice-1_Abc");
  assert.equal(encodeToken("a.b c"), "a%2Eb%20c");
  assert.equal(encodeToken("*"), "%2A");
  assert.equal(encodeToken(">"), "%3E");
  assert.equal(encodeToken("a/b"), "a%2Fb");
  assert.equal(encodeToken("100%"), "100%25");
  assert.equal(encodeToken("$SYS"), "%24SYS");
  assert.equal(encodeToken("ж"), "%D0%B6");
  assert.equal(encodeToken("😀"), "%F0%9F%98%80");
  assert.equal(encodeToken(""), "%");
  assert.equal(encodeToken("\r\n"), "%0D%0A");
});

test("the encoding round-trips and is injective over generated strings", () => {
  const alphabet = ["a", "Z", "9", "-", "_", ".", " ", "*", ">", "%", "/", "$", "ж", "😀", "\t", "%2E", ""];
  let state = 7; // xorshift32: deterministic, so a failure can be reproduced
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const seen = new Map<string, string>();
  for (let index = 0; index < 5000; index += 1) {
    let text = "";
    const length = next() % 8;
    for (let part = 0; part < length; part += 1) text += alphabet[next() % alphabet.length];
    const token = encodeToken(text);
    assert.match(token, SUBJECT_SAFE);
    assert.equal(decodeToken(token), text);
    const earlier = seen.get(token);
    assert.ok(
      earlier === undefined || earlier === text,
      `${JSON.stringify(earlier)} and ${JSON.stringify(text)}`,
    );
    seen.set(token, text);
  }
  assert.ok(seen.size > 1000);
});

test("decodeToken refuses what encodeToken cannot produce", () => {
  for (const bad of ["a.b", "a b", "%2e", "%41", "%", "%%", "%ZZ", "%C3", "*", "", "a%2"]) {
    if (bad === "%") continue; // the empty string's token
    assert.throws(() => decodeToken(bad), RangeError, bad);
  }
  assert.equal(decodeToken("%"), "");
});

test("subjects, message ids and headers of events and lifecycle records", () => {
  const record = event("pay.ments", "m 1", 3);
  assert.equal(recordSubject("ratchet.prod", record), "ratchet.prod.pay%2Ements.m%201.events");
  assert.equal(recordMessageId(record), "pay%2Ements/m%201/3");
  assert.deepEqual(recordHeaders(record), [
    ["ratchet-namespace", "pay%2Ements"],
    ["ratchet-machine-id", "m%201"],
    ["ratchet-event-id", "3"],
  ]);
  const lifecycle: OutboxRecord = {
    kind: "lifecycle",
    namespace: "ns",
    machineId: "a/b",
    createdAtUs: 0,
    change: { kind: "removed" },
    sequence: 12,
  };
  assert.equal(recordSubject("ratchet", lifecycle), "ratchet.ns.a%2Fb.lifecycle");
  assert.equal(recordMessageId(lifecycle), "ns/a%2Fb/lifecycle/12");
  assert.deepEqual(recordHeaders(lifecycle), [
    ["ratchet-namespace", "ns"],
    ["ratchet-machine-id", "a%2Fb"],
    ["ratchet-lifecycle-sequence", "12"],
  ]);
  // Without the encoding these two would share the id "a/b/c/1" and JetStream would drop one as a duplicate.
  assert.notEqual(recordMessageId(event("a/b", "c", 1)), recordMessageId(event("a", "b/c", 1)));
});

test("a stream's subject filter is checked against every subject the sink publishes", () => {
  const captures = (filter: string) => filterCapturesRecordSubjects(filter, "ratchet.prod");
  assert.ok(captures("ratchet.prod.>"));
  assert.ok(captures("ratchet.>"));
  assert.ok(captures(">"));
  assert.ok(captures("ratchet.prod.*.*.*"));
  assert.ok(captures("ratchet.*.*.>"));
  assert.ok(!captures("ratchet.prod.*.*.events"), "lifecycle subjects would be missed");
  assert.ok(!captures("ratchet.prod.*.*"));
  assert.ok(!captures("ratchet.prod.*.*.*.*"));
  assert.ok(!captures("ratchet.test.>"));
  assert.ok(!captures("ratchet.prod"));
  assert.ok(isSubjectPrefix("ratchet.prod"));
  for (const bad of ["", "a..b", "a.*", "a.>", "a b", "$JS"]) assert.ok(!isSubjectPrefix(bad), bad);
});
