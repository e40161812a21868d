/**
 * The history cache is bounded by bytes, whatever the traffic (DESIGN invariant 11). The cache's own accounting
 * is checked directly (stores, appends, evictions, entries too large to keep), then against the heap (what it
 * counts for many small histories is what they take, within a quarter above and half below), then on a real engine: 100
 * machines chain 50 timer steps each, every step appending a 2 KiB event, under a bound of 256 KiB. The cache's
 * accounting stays under the bound throughout, and the heap with its buffers grows, over a baseline taken after a full garbage
 * collection, by no more than the bound plus a stated allowance (4 MiB, for the engine's own structures), while the
 * histories written total over 10 MB.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { CACHED_EVENT_OVERHEAD_BYTES, CACHED_HISTORY_OVERHEAD_BYTES } from "../../src/core/limits.js";
import type { Event, MachineRecord } from "../../src/core/machine.js";
import { newMachineRecord } from "../../src/core/step.js";
import { Engine } from "../../src/engine/engine.js";
import { HistoryCache } from "../../src/engine/history-cache.js";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import { SystemClock } from "../../src/runtime/system-clock.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { json, parse } from "../support/json-payload.js";
import { waitFor } from "../support/wait.js";

setFlagsFromString("--expose-gc");
const fullGc = runInNewContext("gc") as () => void;

/** A full collection, repeated across turns: array buffers are freed by a sweeper that runs after the collection. */
async function collectGarbage(): Promise<void> {
  for (let round = 0; round < 3; round += 1) {
    fullGc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Payload bytes live outside the JS heap (array buffers), so both are counted. */
function heapAndBuffersBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

const event = (id: number, bytes: number): Event => ({ id, createdAtUs: id, data: new Uint8Array(bytes) });
const recordAt = (lastEventId: number): MachineRecord => ({
  ...newMachineRecord("ns", "m", 0),
  lastEventId,
  updatedAtUs: lastEventId,
});

test("the history cache counts every byte it stores and appends, and evicts the least recently used", () => {
  const perEvent = 100 + CACHED_EVENT_OVERHEAD_BYTES;
  const historyBytes = (events: number) => CACHED_HISTORY_OVERHEAD_BYTES + events * perEvent;
  const cache = new HistoryCache(historyBytes(4) + historyBytes(6));
  cache.store("a", recordAt(2), [event(1, 100), event(2, 100)]);
  assert.equal(cache.bytes, historyBytes(2));
  cache.append("a", recordAt(2), recordAt(4), [event(3, 100), event(4, 100)]);
  assert.equal(cache.bytes, historyBytes(4), "appended events are counted");
  assert.equal(cache.lookup("a", recordAt(4))?.length, 4);
  cache.store(
    "b",
    recordAt(5),
    [1, 2, 3, 4, 5].map((id) => event(id, 100)),
  );
  assert.equal(cache.bytes, historyBytes(4) + historyBytes(5));
  cache.lookup("a", recordAt(4)); // a is now the most recently used
  cache.append("b", recordAt(5), recordAt(7), [event(6, 100), event(7, 100)]);
  assert.equal(cache.lookup("a", recordAt(4)), null, "the least recently used entry went to make room");
  assert.equal(cache.bytes, historyBytes(7));
  cache.append(
    "b",
    recordAt(7),
    recordAt(12),
    [8, 9, 10, 11, 12].map((id) => event(id, 100)),
  );
  assert.equal(cache.entries, 0, "an entry that would outgrow the bound on its own is dropped");
  assert.equal(cache.bytes, 0);
  cache.store("c", recordAt(1), [event(1, 100)]);
  cache.append("c", recordAt(2), recordAt(3), [event(3, 100)]);
  assert.equal(cache.lookup("c", recordAt(3)), null, "an append that does not follow the entry drops it");
  assert.equal(cache.bytes, 0);
});

test("what the cache counts covers what its entries take on the heap: 20,000 histories of one and of ten 70-byte events", async () => {
  for (const eventsPerHistory of [1, 10]) {
    const histories = 20_000;
    await collectGarbage();
    const baselineBytes = heapAndBuffersBytes();
    const cache = new HistoryCache(Number.MAX_SAFE_INTEGER);
    for (let index = 0; index < histories; index += 1) {
      // A buffer of its own per event, as storage reads and processors make them.
      const events = Array.from({ length: eventsPerHistory }, (_, at) => event(at + 1, 70));
      cache.store(`ns\u0000machine-${index}`, recordAt(eventsPerHistory), events);
    }
    await collectGarbage();
    const heldBytes = heapAndBuffersBytes() - baselineBytes;
    assert.equal(cache.entries, histories);
    // Not a quarter above the count (or the bound would not bound the heap), nor below half of it (or the bound
    // would hold far less than it says).
    assert.ok(
      heldBytes <= cache.bytes * 1.25 && heldBytes >= cache.bytes * 0.5,
      `${eventsPerHistory} event(s) per history: the heap holds ${heldBytes} bytes, the cache counts ${cache.bytes}`,
    );
  }
});

test("on a real engine, 100 machines × 50 steps of 2 KiB stay within a 256 KiB cache and the heap stays bounded", async () => {
  const boundBytes = 256 * 1024;
  // Measured with the bound kept: 0.7 to 2 MiB of the engine's own structures and heap noise; without it, 13 MiB.
  const allowanceBytes = 4 * 1024 * 1024;
  const machines = 100;
  const steps = 50;
  const payloadBytes = 2048;
  const clock = new SystemClock();
  const storage = new SqliteStorage({ path: ":memory:", nowUs: () => clock.nowUs() });
  const engine = new Engine({
    storage,
    clock,
    random: Math.random,
    newId: () => "id",
    owner: "cache-test",
    namespaces: [
      {
        name: "c",
        processor: localProcessor({
          init: () => ({ auxState: { data: json(0) }, timer: timer.now() }),
          timer: ({ machine }) => {
            const step = parse<number>(machine.auxState.data) + 1;
            return {
              // A buffer of its own per event, as a real processor's: shared bytes would cost nothing to cache.
              events: [{ data: new Uint8Array(payloadBytes).fill(step) }],
              auxState: { data: json(step) },
              timer: step < steps ? timer.now() : timer.unset(),
            };
          },
        }),
      },
    ],
    defer: setImmediate,
    historyCacheBytesMax: boundBytes,
  });
  let boundKept = true;
  try {
    await collectGarbage();
    const baselineBytes = heapAndBuffersBytes();
    const ids = Array.from({ length: machines }, (_, index) => `m${index}`);
    await Promise.all(ids.map((id) => engine.start("c", id, json({}))));
    await waitFor(
      "every machine to finish its chain",
      async () => {
        boundKept &&= engine.historyCache.bytes <= boundBytes;
        for (const id of ids) {
          const { record } = await engine.get("c", id, { limit: 0, direction: "forward" });
          if (record.lastEventId < steps) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    assert.ok(boundKept, "the cache's accounting never passed its bound");
    assert.ok(engine.historyCache.bytes <= boundBytes);
    await collectGarbage();
    const growthBytes = heapAndBuffersBytes() - baselineBytes;
    const writtenBytes = machines * steps * payloadBytes;
    assert.ok(writtenBytes > 10_000_000, "the histories written total over 10 MB");
    assert.ok(
      growthBytes <= boundBytes + allowanceBytes,
      `the heap and buffers grew by ${growthBytes} bytes, above ${boundBytes} + ${allowanceBytes}`,
    );
  } finally {
    await engine.close();
    await storage.close();
  }
});
