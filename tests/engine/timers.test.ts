/**
 * Timers are data with millisecond precision (MG's timer suites): a zero-delay timer fires at once and a chain of
 * them runs in the lease holder without the scheduler; delayed timers fire after their due time; transient timer
 * failures are retried under the namespace policy and an exhausted policy fails the machine; simple repair re-arms
 * the timer; a timer outlives the engine that armed it. Real SQLite, local processors.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import type { Processor } from "../../src/processors/processor.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import type { Storage } from "../../src/storage/storage.js";
import { createCounterProcessor } from "../support/counter-processor.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";
import { waitFor } from "../support/wait.js";

/** Counts the claims that found work, to tell the scheduler's path from the lease holder's. */
function countingClaims(storage: Storage): { storage: Storage; claimed: () => number } {
  let claimed = 0;
  const claimDueTimers: Storage["claimDueTimers"] = async (options) => {
    const result = await storage.claimDueTimers(options);
    claimed += result.length;
    return result;
  };
  const wrapped = new Proxy(storage, {
    get(target, property) {
      if (property === "claimDueTimers") return claimDueTimers;
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { storage: wrapped, claimed: () => claimed };
}

/** Each step appends one event and, until `length` steps are done, sets a zero-delay timer. */
function chainProcessor(length: number): Processor {
  const step = (count: number) => ({
    events: [{ data: json({ step: count }) }],
    auxState: { data: json(count) },
    timer: count < length ? timer.now() : timer.unset(),
  });
  return localProcessor({
    init: () => step(1),
    timer: ({ machine }) => step(parse<number>(machine.auxState.data) + 1),
  });
}

test("a chain of zero-delay timers runs at once in the lease holder, without a scheduler claim", async () => {
  const sqlite = new SqliteStorage({ path: ":memory:", nowUs: () => Date.now() * 1000 });
  const counting = countingClaims(sqlite);
  const fixture = createTestEngine({
    storage: counting.storage,
    namespaces: [{ name: "chain", processor: chainProcessor(50) }],
  });
  try {
    await fixture.engine.start("chain", "c1", json({}));
    const done = await waitFor("the chain to finish", async () => {
      const snapshot = await fixture.engine.get("chain", "c1");
      return snapshot.record.lastEventId === 50 && snapshot.status === "idle" ? snapshot : null;
    });
    assert.deepEqual(
      done.history.map((event) => parse<{ step: number }>(event.data).step),
      Array.from({ length: 50 }, (_, index) => index + 1),
      "each step ran once, in order, with contiguous event ids",
    );
    assert.equal(counting.claimed(), 0, "no step of the chain went through the scheduler");
  } finally {
    await fixture.close();
    await sqlite.close();
  }
});

test("a delayed timer fires after its due time, not before", async () => {
  const firedAt: number[] = [];
  let dueAtUs = 0;
  const processor = localProcessor({
    init: () => ({ timer: timer.after(40) }),
    timer: ({ machine }) => {
      firedAt.push(Date.now() * 1000);
      return { events: [{ data: json(machine.timerDueAtUs) }] };
    },
  });
  const fixture = createTestEngine({ namespaces: [{ name: "t", processor }] });
  try {
    await fixture.engine.start("t", "m", json({}));
    dueAtUs = (await fixture.engine.get("t", "m")).record.timer?.dueAtUs ?? 0;
    await waitFor("the timer", async () => (await fixture.engine.get("t", "m")).record.lastEventId === 1);
    assert.equal(firedAt.length, 1);
    assert.ok((firedAt[0] ?? 0) >= dueAtUs - 1000, "the timer did not fire early");
  } finally {
    await fixture.close();
  }
});

test("transient timer failures are retried under the policy and the machine recovers", async () => {
  const { processor, control } = createCounterProcessor();
  control.timerFailuresLeft = 3;
  const policy = { backoff: { kind: "intervals" as const, intervalsMs: [10, 10, 10, 10] } };
  const fixture = createTestEngine({ namespaces: [{ name: "r", processor, timerRetryPolicy: policy }] });
  try {
    await fixture.engine.start("r", "m", json({}));
    await fixture.engine.call("r", "m", json({ op: "set_timer", ms: 0 }));
    await waitFor("recovery", async () => (await fixture.engine.get("r", "m")).record.lastEventId === 1);
    const snapshot = await fixture.engine.get("r", "m");
    assert.equal(snapshot.status, "idle");
    assert.equal(snapshot.record.retry, null);
    assert.equal(control.timerFailuresLeft, 0);
  } finally {
    await fixture.close();
  }
});

test("an exhausted timer retry policy fails the machine with the reason", async () => {
  const { processor, control } = createCounterProcessor();
  control.timerFailuresLeft = 100;
  const policy = { backoff: { kind: "intervals" as const, intervalsMs: [10] } };
  const fixture = createTestEngine({ namespaces: [{ name: "r", processor, timerRetryPolicy: policy }] });
  try {
    await fixture.engine.start("r", "m", json({}));
    await fixture.engine.call("r", "m", json({ op: "set_timer", ms: 0 }));
    const failed = await waitFor("the machine to fail", async () => {
      const snapshot = await fixture.engine.get("r", "m");
      return snapshot.status === "failed" ? snapshot : null;
    });
    assert.match(failed.record.failure?.reason ?? "", /timer retries exhausted after 2 failures/);
    assert.equal(
      failed.record.failure?.previousStatus,
      "waiting",
      "simple repair would start a fresh series",
    );
    assert.equal(control.timerFailuresLeft, 98, "one try and one retry");
  } finally {
    await fixture.close();
  }
});

test("a fatal timer step fails the machine; simple repair re-arms the timer, which then fires", async () => {
  const { processor, control } = createCounterProcessor();
  control.timerFatal = true;
  const fixture = createTestEngine({ namespaces: [{ name: "f", processor }] });
  try {
    await fixture.engine.start("f", "m", json({}));
    await fixture.engine.call("f", "m", json({ op: "set_timer", ms: 0 }));
    const failed = await waitFor("the failure", async () => {
      const snapshot = await fixture.engine.get("f", "m");
      return snapshot.status === "failed" ? snapshot : null;
    });
    assert.equal(failed.record.failure?.previousStatus, "waiting");
    control.timerFatal = false;
    await fixture.engine.simpleRepair("f", "m");
    await waitFor(
      "the re-armed timer",
      async () => (await fixture.engine.get("f", "m")).record.lastEventId === 1,
    );
    assert.equal((await fixture.engine.get("f", "m")).status, "idle");
  } finally {
    await fixture.close();
  }
});

test("a timer armed before a shutdown fires after a restart on the same database", async () => {
  const directory = mkdtempSync(join(tmpdir(), "ratchet-timers-"));
  const path = join(directory, "ratchet.db");
  try {
    const first = createCounterProcessor();
    const before = createTestEngine({ path, namespaces: [{ name: "p", processor: first.processor }] });
    await before.engine.start("p", "m", json({}));
    await before.engine.call("p", "m", json({ op: "set_timer", ms: 300 }));
    await before.close();
    assert.equal(
      first.control.steps.filter((step) => step.endsWith("timer")).length,
      0,
      "not fired before shutdown",
    );
    const second = createCounterProcessor();
    const after = createTestEngine({ path, namespaces: [{ name: "p", processor: second.processor }] });
    try {
      await waitFor(
        "the timer after restart",
        async () => (await after.engine.get("p", "m")).record.lastEventId === 1,
      );
      assert.deepEqual(second.control.steps, ["m:timer"]);
    } finally {
      await after.close();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test("a call on a retrying machine clears the retry, and the timer fires at its original time", async () => {
  const { processor, control } = createCounterProcessor();
  control.timerFailuresLeft = 1;
  const policy = { backoff: { kind: "intervals" as const, intervalsMs: [60_000] } };
  const fixture = createTestEngine({ namespaces: [{ name: "r", processor, timerRetryPolicy: policy }] });
  try {
    await fixture.engine.start("r", "m", json({}));
    await fixture.engine.call("r", "m", json({ op: "set_timer", ms: 0 }));
    await waitFor("the retry", async () => (await fixture.engine.get("r", "m")).status === "retrying");
    await fixture.engine.call("r", "m", json({ op: "get" }));
    await waitFor("the timer", async () => (await fixture.engine.get("r", "m")).record.lastEventId === 1);
  } finally {
    await fixture.close();
  }
});
