/**
 * Retry policies that fit each step, on both adapters: a non-retryable error class exhausts the policy at once
 * (the processor's own class, or an error code); a processor's Retry-After holds the next attempt back; a named
 * step's policy wins over the kind's; an exhausted pausing policy pauses the machine (calls refused with a typed
 * error, notifications kept), and resume runs the pending step again; retry-now skips a backoff wait; an operator
 * pauses a working machine on purpose; each operator action on a machine in the wrong status is a typed error that
 * changes nothing. Real storage, local processors.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  InvalidRequestError,
  MachineFailedError,
  MachineNotPausedError,
  MachinePausedError,
  ProcessorTimeoutError,
  ProcessorUnavailableError,
} from "../../src/core/errors.js";
import type { RetryPolicy } from "../../src/core/retry-policy.js";
import type { NamespaceOptions } from "../../src/engine/namespace.js";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import { bothAdapters } from "../support/adapters.js";
import { createTestEngine, type EngineFixture } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";
import { waitFor } from "../support/wait.js";

const every10ms = (extra: Partial<RetryPolicy> = {}): RetryPolicy => ({
  backoff: { kind: "linear", initialIntervalMs: 10, incrementMs: 0 },
  maxAttempts: 5,
  ...extra,
});

interface Bank {
  /** How the next capture attempts fail, one entry per attempt; empty: they succeed. */
  failures: (() => Error)[];
  captures: number;
  notified: string[];
}

/** init → capture (a named step on the bank's processor); the bank fails as `bank.failures` says. */
function namespaceWith(bank: Bank, options: Partial<NamespaceOptions> = {}): NamespaceOptions {
  return {
    name: "pay",
    processor: localProcessor({
      init: ({ args }) => {
        const { afterMs } = parse<{ afterMs?: number }>(args);
        return { events: [{ data: json("init") }], timer: timer.after(afterMs ?? 0, { step: "capture" }) };
      },
      call: () => ({ events: [{ data: json("called") }], response: json("ok") }),
      notification: ({ args }) => {
        bank.notified.push(parse<string>(args));
        return {};
      },
    }),
    processors: {
      bank: localProcessor({
        timer: () => {
          const failure = bank.failures.shift();
          if (failure !== undefined) throw failure();
          bank.captures += 1;
          return { events: [{ data: json("captured") }], timer: timer.unset() };
        },
      }),
    },
    steps: { capture: { processor: "bank" } },
    timerRetryPolicy: every10ms(),
    notificationRetryPolicy: every10ms(),
    ...options,
  };
}

const unavailable =
  (options: { retryAfterMs?: number; processorErrorClass?: string } = {}) =>
  () =>
    new ProcessorUnavailableError("the bank is down", options);
const newBank = (failures: (() => Error)[] = []): Bank => ({ failures, captures: 0, notified: [] });

for (const adapter of bothAdapters("ratchet_retries")) {
  describe(adapter.name, () => {
    async function withEngine(namespace: NamespaceOptions, body: (fixture: EngineFixture) => Promise<void>) {
      const place = await adapter.place();
      const storage = await place.open();
      const fixture = createTestEngine({ namespaces: [namespace], storage });
      try {
        await body(fixture);
      } finally {
        await fixture.close();
        await storage.close();
        await place.dispose();
      }
    }
    const statusOf = async (fixture: EngineFixture, id: string) =>
      (await fixture.engine.get("pay", id)).status;
    const attempts = async (fixture: EngineFixture, id: string) =>
      (await fixture.engine.steps("pay", id)).filter((entry) => entry.name === "capture");

    test(`a non-retryable class exhausts the policy at once: the processor's class, or an error code`, async () => {
      const bank = newBank([
        unavailable({ processorErrorClass: "card_expired" }),
        () => new ProcessorTimeoutError("slow"),
      ]);
      const policy = every10ms({ nonRetryable: ["card_expired", "processor_timeout"] });
      await withEngine(
        namespaceWith(bank, { steps: { capture: { processor: "bank", retryPolicy: policy } } }),
        async (fixture) => {
          await fixture.engine.start("pay", "a", json({}));
          await waitFor("the failure", async () => (await statusOf(fixture, "a")) === "failed");
          assert.equal((await attempts(fixture, "a")).length, 1, "no second attempt");
          const { record } = await fixture.engine.get("pay", "a");
          assert.match(
            record.failure?.reason ?? "",
            /timer retries exhausted after 1 failures: the bank is down/,
          );
          await fixture.engine.simpleRepair("pay", "a");
          await waitFor("the timeout's failure", async () => (await statusOf(fixture, "a")) === "failed");
          assert.equal((await attempts(fixture, "a")).at(-1)?.errorClass, "processor_timeout");
          assert.equal((await attempts(fixture, "a")).length, 2, "a non-retryable code stops at once too");
        },
      );
    });

    test(`a processor's Retry-After holds the next attempt back beyond the policy's interval`, async () => {
      const bank = newBank([unavailable({ retryAfterMs: 400 })]);
      await withEngine(namespaceWith(bank), async (fixture) => {
        await fixture.engine.start("pay", "b", json({}));
        await waitFor("the capture's commit", async () => (await attempts(fixture, "b")).length === 2);
        const [first, second] = await attempts(fixture, "b");
        assert.equal(first?.outcome, "transient_error");
        assert.equal(second?.outcome, "committed");
        const waitedMs = ((second?.startedAtUs ?? 0) - (first?.endedAtUs ?? 0)) / 1000;
        assert.ok(waitedMs >= 390, `the retry waited ${waitedMs} ms, not the policy's 10 ms`);
      });
    });

    test(`a named step's policy wins over the kind's`, async () => {
      const failing = Array.from({ length: 3 }, () => unavailable());
      const bank = newBank(failing);
      const strict = every10ms({ maxAttempts: 1 });
      await withEngine(namespaceWith(bank), async (fixture) => {
        await fixture.engine.start("pay", "kind", json({}));
        await waitFor("the capture under the kind's 5 tries", () => bank.captures === 1);
      });
      const second = newBank(Array.from({ length: 3 }, () => unavailable()));
      await withEngine(
        namespaceWith(second, { steps: { capture: { processor: "bank", retryPolicy: strict } } }),
        async (fixture) => {
          await fixture.engine.start("pay", "step", json({}));
          await waitFor("the failure", async () => (await statusOf(fixture, "step")) === "failed");
          assert.equal((await attempts(fixture, "step")).length, 2, "the step's policy allows one retry");
          assert.equal(second.captures, 0);
        },
      );
    });

    test(`an exhausted pausing policy pauses the machine with its pending step; calls are refused with a typed error`, async () => {
      const bank = newBank(Array.from({ length: 2 }, () => unavailable()));
      const pausing = every10ms({ maxAttempts: 1, onExhausted: "pause" });
      await withEngine(
        namespaceWith(bank, { steps: { capture: { processor: "bank", retryPolicy: pausing } } }),
        async (fixture) => {
          await fixture.engine.start("pay", "c", json({}));
          await waitFor("the pause", async () => (await statusOf(fixture, "c")) === "paused");
          const paused = await fixture.engine.get("pay", "c");
          assert.equal(paused.record.pause?.by, "steps.capture.retry");
          assert.match(paused.record.pause?.reason ?? "", /timer retries exhausted after 2 failures/);
          assert.notEqual(paused.record.timer, null, "the pending step is kept");
          await assert.rejects(fixture.engine.call("pay", "c", json("x")), MachinePausedError);
          await assert.rejects(fixture.engine.retryNow("pay", "c"), MachinePausedError);
          assert.equal(
            (await fixture.engine.get("pay", "c")).record.lastEventId,
            1,
            "the refusals changed nothing",
          );
        },
      );
    });

    test(`resume runs a paused machine's pending step with fresh retries; notifications are delivered after`, async () => {
      const bank = newBank(Array.from({ length: 2 }, () => unavailable()));
      const pausing = every10ms({ maxAttempts: 1, onExhausted: "pause" });
      await withEngine(
        namespaceWith(bank, { steps: { capture: { processor: "bank", retryPolicy: pausing } } }),
        async (fixture) => {
          await fixture.engine.start("pay", "d", json({}));
          await waitFor("the pause", async () => (await statusOf(fixture, "d")) === "paused");
          await fixture.engine.pause("pay", "d", "again");
          assert.equal(
            (await fixture.engine.get("pay", "d")).record.pause?.by,
            "steps.capture.retry",
            "a second pause changes nothing",
          );
          await fixture.engine.notify("pay", "d", json("while paused"));
          const before = bank.notified.length;
          await new Promise((resolve) => setTimeout(resolve, 300));
          assert.equal(bank.notified.length, before, "no notification reaches a paused machine");
          await fixture.engine.resume("pay", "d");
          await waitFor("the capture", () => bank.captures === 1);
          await waitFor("the notification", () => bank.notified.includes("while paused"));
          await waitFor("the capture's commit", async () => (await statusOf(fixture, "d")) === "idle");
          const kinds = (await fixture.engine.steps("pay", "d")).map(
            (entry) => `${entry.name}:${entry.outcome}`,
          );
          assert.deepEqual(kinds.slice(0, 5), [
            "init:committed",
            "capture:transient_error",
            "capture:transient_error",
            "resume:committed",
            "capture:committed",
          ]);
        },
      );
    });

    test(`retry-now runs a retrying machine's next attempt without its backoff wait`, async () => {
      const bank = newBank([unavailable()]);
      const slow = {
        backoff: { kind: "linear" as const, initialIntervalMs: 60_000, incrementMs: 0 },
        maxAttempts: 5,
      };
      await withEngine(
        namespaceWith(bank, { steps: { capture: { processor: "bank", retryPolicy: slow } } }),
        async (fixture) => {
          await fixture.engine.start("pay", "e", json({}));
          await waitFor("the retry series", async () => (await statusOf(fixture, "e")) === "retrying");
          await fixture.engine.retryNow("pay", "e");
          await waitFor("the capture's commit", async () => (await statusOf(fixture, "e")) === "idle", {
            timeoutMs: 3000,
          });
          await assert.rejects(
            fixture.engine.retryNow("pay", "e"),
            MachineNotPausedError,
            "not retrying any more",
          );
        },
      );
    });

    test(`an operator pauses a working machine and resumes it; wrong statuses and bad input are typed errors`, async () => {
      const bank = newBank();
      await withEngine(namespaceWith(bank), async (fixture) => {
        await fixture.engine.start("pay", "f", json({ afterMs: 300 }));
        await assert.rejects(fixture.engine.pause("pay", "f", "  "), InvalidRequestError);
        await assert.rejects(fixture.engine.resume("pay", "f"), MachineNotPausedError);
        assert.equal(await statusOf(fixture, "f"), "waiting", "refusals change nothing");
        await fixture.engine.pause("pay", "f", "maintenance of the bank");
        const paused = await fixture.engine.get("pay", "f");
        assert.equal(paused.status, "paused");
        assert.deepEqual(
          [paused.record.pause?.by, paused.record.pause?.reason],
          ["operator", "maintenance of the bank"],
        );
        await new Promise((resolve) => setTimeout(resolve, 600));
        assert.equal(bank.captures, 0, "the due timer waits while paused");
        await fixture.engine.resume("pay", "f");
        await waitFor("the capture's commit", async () => (await attempts(fixture, "f")).length === 1);
        const names = (await fixture.engine.steps("pay", "f")).map(
          (entry) => `${entry.name}:${entry.processor}`,
        );
        assert.deepEqual(names, ["init:default", "pause:null", "resume:null", "capture:bank"]);

        bank.failures.push(() => new Error("the card was stolen"));
        await fixture.engine.start("pay", "g", json({}));
        await waitFor("the failure", async () => (await statusOf(fixture, "g")) === "failed");
        await assert.rejects(fixture.engine.pause("pay", "g", "why"), MachineFailedError);
        await assert.rejects(fixture.engine.resume("pay", "g"), MachineNotPausedError);
      });
    });
  });
}
