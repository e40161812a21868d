/**
 * Ratchet's optional extension of MG's processor protocol, over real sockets: real woody processor servers (the
 * Processor service of src/mg/woody behind a plain node:http handler that adds the answer headers) and a real
 * engine on SQLite calling them through the woody client. `ratchet-next-step` routes the next timer step to its
 * named step's processor and deadline and names it in the journal, across a crash between steps too (a child node
 * killed with SIGKILL); a bad name fails the machine; `Retry-After` and `ratchet-error-class` on a 503 shape the
 * retry; a woody processor that sends none of the headers is served exactly as MG serves it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { NamespaceOptions } from "../../../src/engine/namespace.js";
import { decodeValue, encodeValue } from "../../../src/mg/msgpack/msgpack-value.js";
import {
  failureHeadersOf,
  parseRetryAfterMs,
  RATCHET_HEADER,
} from "../../../src/mg/processor/processor-extension.js";
import { createWoodyProcessor } from "../../../src/mg/processor/woody-processor.js";
import { createTestEngine, type EngineFixture } from "../../support/engine-fixture.js";
import { waitFor } from "../../support/wait.js";
import { historyOf, journalSettled, startThenKill } from "./extension-harness.js";
import {
  CAPTURE_TIMEOUT_MS,
  closeProcessors,
  EXTENSION_NS,
  extensionNamespace,
  FAST_RETRY,
} from "./extension-namespace.js";
import {
  type ScriptedAnswer,
  type ScriptedProcessor,
  startScriptedProcessor,
} from "./scripted-woody-processor.js";

/** A namespace whose processor is a plain woody server: an MG processor that knows nothing of the extension. */
const MG_NS = "mg";
const START_ARGS = encodeValue({ str: "go" });

let defaultProcessor: ScriptedProcessor;
let captureProcessor: ScriptedProcessor;
let plainProcessor: ScriptedProcessor;
let namespaces: NamespaceOptions[];
let fixture: EngineFixture;
let directory: string;

before(async () => {
  defaultProcessor = await startScriptedProcessor();
  captureProcessor = await startScriptedProcessor();
  plainProcessor = await startScriptedProcessor({ headers: false });
  directory = mkdtempSync(join(tmpdir(), "ratchet-extension-"));
  namespaces = [
    extensionNamespace({ defaultUrl: defaultProcessor.url, captureUrl: captureProcessor.url }),
    {
      name: MG_NS,
      processor: createWoodyProcessor({ url: plainProcessor.url, nowUs: () => Date.now() * 1000 }),
      timerRetryPolicy: FAST_RETRY,
    },
  ];
  fixture = createTestEngine({ namespaces });
});

after(async () => {
  await fixture.close();
  for (const namespace of namespaces) await closeProcessors(namespace);
  await Promise.all([defaultProcessor.close(), captureProcessor.close(), plainProcessor.close()]);
  rmSync(directory, { recursive: true, force: true });
});

const NEXT_STEP = RATCHET_HEADER.NEXT_STEP;

const journalOf = (engine: EngineFixture["engine"], namespace: string, id: string) =>
  engine.steps(namespace, id);

test("ratchet-next-step routes the timer step to its named step's processor and deadline, and the journal names it", async () => {
  const id = "route-1";
  defaultProcessor.script(id, (call) =>
    call.signal === "init"
      ? { kind: "result", events: ["init"], timer: { timeoutS: 0 }, headers: { [NEXT_STEP]: "capture" } }
      : { kind: "result", events: ["settled"], timer: "unset" },
  );
  // The capture step arms a timer without naming the step after it: that one is a plain timer step again.
  captureProcessor.script(id, () => ({ kind: "result", events: ["captured"], timer: { timeoutS: 0 } }));
  await fixture.engine.start(EXTENSION_NS, id, START_ARGS);
  const journal = await journalSettled(fixture.engine, EXTENSION_NS, id, 3);

  assert.deepEqual(
    journal.map((entry) => [entry.kind, entry.name, entry.processor, entry.outcome, entry.eventsAppended]),
    [
      ["init", "init", "default", "committed", 1],
      ["timer", "capture", "capture", "committed", 1],
      ["timer", "timer", "default", "committed", 1],
    ],
  );
  assert.deepEqual(await historyOf(fixture.engine, EXTENSION_NS, id), ["init", "captured", "settled"]);
  assert.deepEqual(
    defaultProcessor.callsOf(id).map((call) => call.signal),
    ["init", "timeout"],
  );
  const [capture] = captureProcessor.callsOf(id);
  assert.equal(captureProcessor.callsOf(id).length, 1);
  assert.equal(capture?.signal, "timeout");
  // The capture step's call carried its own 1.5 s deadline; the plain timer step the lease-capped one of MG's 60 s.
  const captureLeftMs = (capture?.deadlineUs as number) / 1000 - (capture?.atMs as number);
  assert.ok(
    captureLeftMs > 0 && captureLeftMs <= CAPTURE_TIMEOUT_MS + 1,
    `capture deadline ${captureLeftMs} ms`,
  );
  const plainTimer = defaultProcessor.callsOf(id, "timeout")[0];
  const plainLeftMs = (plainTimer?.deadlineUs as number) / 1000 - (plainTimer?.atMs as number);
  assert.ok(plainLeftMs > 20_000, `plain timer step deadline ${plainLeftMs} ms`);
});

test("the step named by ratchet-next-step survives a crash between steps: a node killed with SIGKILL, another runs it from the SQLite file", async () => {
  const id = "crash-1";
  const path = join(directory, "crash.db");
  defaultProcessor.script(id, () => ({
    kind: "result",
    events: ["init"],
    timer: { timeoutS: 3 },
    headers: { [NEXT_STEP]: "capture" },
  }));
  captureProcessor.script(id, () => ({ kind: "result", events: ["captured"], timer: "unset" }));
  const signal = await startThenKill({
    path,
    defaultUrl: defaultProcessor.url,
    captureUrl: captureProcessor.url,
    id,
  });
  assert.equal(signal, "SIGKILL");
  assert.equal(captureProcessor.callsOf(id).length, 0, "the capture step had not run before the crash");

  const namespace = extensionNamespace({
    defaultUrl: defaultProcessor.url,
    captureUrl: captureProcessor.url,
  });
  const restarted = createTestEngine({ namespaces: [namespace], path });
  try {
    const { record } = await restarted.engine.get(EXTENSION_NS, id);
    assert.equal(record.timer?.step, "capture", "the timer stored with the init step names the next step");
    const journal = await journalSettled(restarted.engine, EXTENSION_NS, id, 2);
    assert.deepEqual(
      journal.map((entry) => [entry.kind, entry.name, entry.processor, entry.outcome]),
      [
        ["init", "init", "default", "committed"],
        ["timer", "capture", "capture", "committed"],
      ],
    );
    assert.deepEqual(await historyOf(restarted.engine, EXTENSION_NS, id), ["init", "captured"]);
    assert.equal(defaultProcessor.callsOf(id, "timeout").length, 0);
    assert.equal(captureProcessor.callsOf(id).length, 1);
  } finally {
    await restarted.close();
    await closeProcessors(namespace);
  }
});

test("a ratchet-next-step that is not a step name fails the machine with a clear reason and commits none of the step", async () => {
  const id = "bad-name-1";
  defaultProcessor.script(id, (call) =>
    call.signal === "init"
      ? { kind: "result", events: ["init"], aux: "before", timer: { timeoutS: 0 } }
      : {
          kind: "result",
          events: ["never"],
          aux: "never",
          timer: { timeoutS: 0 },
          headers: { [NEXT_STEP]: "not a name!" },
        },
  );
  await fixture.engine.start(EXTENSION_NS, id, START_ARGS);
  const failed = await waitFor("the machine to fail", async () => {
    const snapshot = await fixture.engine.get(EXTENSION_NS, id);
    return snapshot.status === "failed" && snapshot;
  });
  const reason = failed.record.failure?.reason ?? "";
  assert.match(reason, /ratchet-next-step "not a name!" is not a step name/);
  assert.match(reason, new RegExp(`processor ${defaultProcessor.url}`));
  assert.deepEqual(await historyOf(fixture.engine, EXTENSION_NS, id), ["init"]);
  assert.equal(decodeValue(failed.record.auxState.data).str, "before");
  const journal = await journalOf(fixture.engine, EXTENSION_NS, id);
  assert.deepEqual(
    journal.map((entry) => [entry.name, entry.outcome, entry.errorClass, entry.eventsAppended]),
    [
      ["init", "committed", null, 1],
      ["timer", "fatal_error", "processor_failed", 0],
    ],
  );
  assert.match(journal[1]?.errorText ?? "", /is not a step name/);

  // On a result that sets no timer the header names nothing, so even a bad value is ignored.
  const ignored = "bad-name-2";
  defaultProcessor.script(ignored, (call) =>
    call.signal === "init"
      ? { kind: "result", events: ["init"], timer: { timeoutS: 0 } }
      : { kind: "result", events: ["done"], timer: "unset", headers: { [NEXT_STEP]: "not a name!" } },
  );
  await fixture.engine.start(EXTENSION_NS, ignored, START_ARGS);
  await journalSettled(fixture.engine, EXTENSION_NS, ignored, 2);
  assert.equal((await fixture.engine.get(EXTENSION_NS, ignored)).status, "idle");
  assert.deepEqual(await historyOf(fixture.engine, EXTENSION_NS, ignored), ["init", "done"]);
});

test("Retry-After on a 503 delays the next attempt at least that long, as seconds or an HTTP date, though the policy waits 10 ms", async () => {
  const forms: Record<string, () => string> = {
    "retry-after-seconds": () => "1",
    // An HTTP date has whole seconds: two seconds ahead, rounded down, is still more than one ahead.
    "retry-after-date": () => new Date(Date.now() + 2000).toUTCString(),
  };
  for (const [id, retryAfter] of Object.entries(forms)) {
    defaultProcessor.script(id, (call, n) => {
      if (call.signal === "init") return { kind: "result", events: ["init"], timer: { timeoutS: 0 } };
      if (n === 2) return { kind: "unavailable" };
      if (n === 3) return { kind: "unavailable", headers: { [RATCHET_HEADER.RETRY_AFTER]: retryAfter() } };
      return { kind: "result", events: ["paid"], timer: "unset" };
    });
  }
  await Promise.all(Object.keys(forms).map((id) => fixture.engine.start(EXTENSION_NS, id, START_ARGS)));
  for (const id of Object.keys(forms)) {
    const journal = await journalSettled(fixture.engine, EXTENSION_NS, id, 4);
    assert.deepEqual(
      journal.map((entry) => [entry.name, entry.attempt, entry.outcome]),
      [
        ["init", 1, "committed"],
        ["timer", 1, "transient_error"],
        ["timer", 2, "transient_error"],
        ["timer", 3, "committed"],
      ],
    );
    const [first, second, third] = defaultProcessor.callsOf(id, "timeout").map((call) => call.atMs);
    assert.ok(
      (second as number) - (first as number) < 1000,
      `${id}: without Retry-After the policy's 10 ms apply`,
    );
    assert.ok(
      (third as number) - (second as number) >= 1000,
      `${id}: the attempt after Retry-After came ${(third as number) - (second as number)} ms later`,
    );
    assert.deepEqual(await historyOf(fixture.engine, EXTENSION_NS, id), ["init", "paid"]);
  }
});

test("parseRetryAfterMs reads delay-seconds and HTTP dates and ignores anything else; failureHeadersOf drops a bad error class", () => {
  const nowMs = Date.parse("Tue, 01 Dec 2026 10:00:00 GMT");
  assert.equal(parseRetryAfterMs("1", nowMs), 1000);
  assert.equal(parseRetryAfterMs("120", nowMs), 120_000);
  assert.equal(parseRetryAfterMs(" 7 ", nowMs), 7000);
  assert.equal(parseRetryAfterMs("0", nowMs), 0);
  assert.equal(parseRetryAfterMs("Tue, 01 Dec 2026 10:00:05 GMT", nowMs), 5000);
  assert.equal(parseRetryAfterMs("Tuesday, 01-Dec-26 10:00:30 GMT", nowMs), 30_000);
  assert.equal(parseRetryAfterMs("Tue, 01 Dec 2026 09:59:00 GMT", nowMs), 0, "a date in the past: at once");
  for (const garbage of [
    undefined,
    "",
    "soon",
    "-1",
    "1.5",
    "1e3",
    "10 seconds",
    "1234567890",
    "2026-12-01",
  ]) {
    assert.equal(parseRetryAfterMs(garbage, nowMs), undefined, `${JSON.stringify(garbage)} is ignored`);
  }
  assert.equal(parseRetryAfterMs("Mon, 99 Foo 2026 10:00:05 GMT", nowMs), undefined);

  assert.deepEqual(failureHeadersOf(undefined, nowMs), {});
  assert.deepEqual(failureHeadersOf({ "retry-after": "3", "ratchet-error-class": "card_expired" }, nowMs), {
    retryAfterMs: 3000,
    processorErrorClass: "card_expired",
  });
  assert.deepEqual(
    failureHeadersOf({ "retry-after": "later", "ratchet-error-class": "has space" }, nowMs),
    {},
  );
  assert.deepEqual(failureHeadersOf({ "ratchet-error-class": ["first", "second"] }, nowMs), {
    processorErrorClass: "first",
  });
});

test("a ratchet-error-class the step's policy lists as non-retryable exhausts it at once; another class is retried", async () => {
  const classes = { "class-expired": "card_expired", "class-other": "insufficient_funds" };
  for (const [id, errorClass] of Object.entries(classes)) {
    defaultProcessor.script(id, (call, n): ScriptedAnswer => {
      if (call.signal === "init") {
        return {
          kind: "result",
          events: ["init"],
          timer: { timeoutS: 0 },
          headers: { [NEXT_STEP]: "charge" },
        };
      }
      if (n === 2) return { kind: "unavailable", headers: { [RATCHET_HEADER.ERROR_CLASS]: errorClass } };
      return { kind: "result", events: ["charged"], timer: "unset" };
    });
  }
  await Promise.all(Object.keys(classes).map((id) => fixture.engine.start(EXTENSION_NS, id, START_ARGS)));

  const failed = await waitFor("the card_expired machine to fail", async () => {
    const snapshot = await fixture.engine.get(EXTENSION_NS, "class-expired");
    return snapshot.status === "failed" && snapshot;
  });
  assert.match(failed.record.failure?.reason ?? "", /^timer retries exhausted after 1 failures: /);
  assert.equal(defaultProcessor.callsOf("class-expired", "timeout").length, 1, "no retry was made");
  assert.deepEqual(await historyOf(fixture.engine, EXTENSION_NS, "class-expired"), ["init"]);
  const expiredJournal = await journalOf(fixture.engine, EXTENSION_NS, "class-expired");
  assert.deepEqual(
    expiredJournal.map((entry) => [entry.name, entry.attempt, entry.errorClass]),
    [
      ["init", 1, null],
      ["charge", 1, "processor_unavailable"],
    ],
  );

  const retried = await journalSettled(fixture.engine, EXTENSION_NS, "class-other", 3);
  assert.deepEqual(
    retried.map((entry) => [entry.name, entry.attempt, entry.outcome]),
    [
      ["init", 1, "committed"],
      ["charge", 1, "transient_error"],
      ["charge", 2, "committed"],
    ],
  );
  assert.deepEqual(await historyOf(fixture.engine, EXTENSION_NS, "class-other"), ["init", "charged"]);
});

test("a woody processor that sends none of the headers is served as before: same history, aux state and timer, journal names the kinds", async () => {
  const id = "plain-1";
  const dueMs = Date.UTC(2030, 0, 1);
  plainProcessor.script(id, (call, n) => {
    if (call.signal === "init") return { kind: "result", events: ["e1"], aux: "a1", timer: { timeoutS: 0 } };
    if (call.signal === "call") return { kind: "result", events: ["e3"], response: "r" };
    if (n === 2) return { kind: "unavailable" };
    return { kind: "result", events: ["e2"], aux: "a2", timer: { deadlineMs: dueMs } };
  });
  await fixture.engine.start(MG_NS, id, START_ARGS);
  await journalSettled(fixture.engine, MG_NS, id, 3);
  const response = await fixture.engine.call(MG_NS, id, encodeValue({ str: "ask" }));
  assert.equal(decodeValue(response).str, "r");

  const { record, status } = await fixture.engine.get(MG_NS, id);
  assert.deepEqual(await historyOf(fixture.engine, MG_NS, id), ["e1", "e2", "e3"]);
  assert.equal(decodeValue(record.auxState.data).str, "a2");
  assert.equal(status, "waiting");
  assert.equal(record.timer?.dueAtUs, dueMs * 1000);
  assert.equal(record.timer?.step, undefined, "no step name without the header");
  assert.equal(record.retry, null);
  const journal = await journalOf(fixture.engine, MG_NS, id);
  assert.deepEqual(
    journal.map((entry) => [
      entry.kind,
      entry.name,
      entry.processor,
      entry.attempt,
      entry.outcome,
      entry.errorClass,
    ]),
    [
      ["init", "init", "default", 1, "committed", null],
      ["timer", "timer", "default", 1, "transient_error", "processor_unavailable"],
      ["timer", "timer", "default", 2, "committed", null],
      ["call", "call", "default", 1, "committed", null],
    ],
  );
  const [failedAt, retriedAt] = plainProcessor.callsOf(id, "timeout").map((call) => call.atMs);
  assert.ok((retriedAt as number) - (failedAt as number) < 1000, "the policy's 10 ms retry, nothing else");
  assert.deepEqual(
    plainProcessor.callsOf(id).map((call) => [call.signal, call.historyLength]),
    [
      ["init", 0],
      ["timeout", 1],
      ["timeout", 1],
      ["call", 2],
    ],
  );
});
