/**
 * The real clock's waits end at their instant by that clock, never before it: Node's timers run on another clock
 * than hrtime and fired up to 0.1 ms early in about one wait in 300 here, which made a warm lease take a timer
 * falling due for its warm time passing. Many short waits and alarms, each checked against the clock.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SystemClock } from "../../src/runtime/system-clock.js";

const WAITS = 600;

test("waitUntil and alarm end at their instant by the clock, never before it", async () => {
  const clock = new SystemClock();
  let early = 0;
  for (let index = 0; index < WAITS; index += 1) {
    const instantUs = clock.nowUs() + 1000 + Math.random() * 2000;
    if (index % 2 === 0) await clock.waitUntil(instantUs);
    else await new Promise<void>((resolve) => clock.alarm(instantUs, resolve));
    if (clock.nowUs() < instantUs) early += 1;
  }
  assert.equal(early, 0, `${early} of ${WAITS} waits ended before their instant`);
});

test("a wait for a past instant still ends on a timer, after the I/O of its turn", async () => {
  const clock = new SystemClock();
  const order: string[] = [];
  const waited = clock.waitUntil(clock.nowUs() - 1000).then(() => order.push("wait"));
  queueMicrotask(() => order.push("microtask"));
  await waited;
  assert.deepEqual(order, ["microtask", "wait"]);
});
