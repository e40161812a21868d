/**
 * Bad input gets a typed error and changes nothing: unknown namespace, empty or oversized machine id, oversized
 * arguments, a history range with a negative limit or an unknown direction; a processor result that breaks the
 * limits fails the machine with a reason instead of committing it. Each case compares the machine before and after.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  InvalidRequestError,
  LimitExceededError,
  MachineFailedError,
  MachineNotFoundError,
  NamespaceNotFoundError,
} from "../../src/core/errors.js";
import type { HistoryRange } from "../../src/core/history-range.js";
import { localProcessor } from "../../src/processors/local-processor.js";
import type { EngineFixture } from "../support/engine-fixture.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";

let fixture: EngineFixture;
const limits = { argsBytesMax: 64, eventBytesMax: 128, auxStateBytesMax: 128, stepEventsMax: 5 };
const processor = localProcessor({
  init: () => ({ events: [{ data: json("created") }] }),
  call: ({ args }) => {
    const { op, n } = parse<{ op: string; n?: number }>(args);
    if (op === "big_event") return { events: [{ data: new Uint8Array(129) }] };
    if (op === "big_aux") return { auxState: { data: new Uint8Array(129) } };
    if (op === "many") return { events: Array.from({ length: n ?? 6 }, () => ({ data: json(1) })) };
    if (op === "bad_route") return { timer: { kind: "set", timeoutMs: 0, processor: "nobody" } };
    if (op === "bad_timer") return { timer: { kind: "set", timeoutMs: -5 } };
    return { events: [{ data: json(op) }], response: json("ok") };
  },
});

before(async () => {
  fixture = createTestEngine({ namespaces: [{ name: "b", processor, limits }] });
  await fixture.engine.start("b", "m", json({}));
});
after(() => fixture.close());

async function unchanged(
  machineId: string,
  attempt: () => Promise<unknown>,
  expected: (error: unknown) => boolean,
) {
  const before = await fixture.engine.get("b", machineId);
  await assert.rejects(attempt(), (error) => {
    assert.ok(expected(error), `unexpected error: ${String(error)}`);
    return true;
  });
  assert.deepEqual(await fixture.engine.get("b", machineId), before, "the machine did not change");
}

test("an unknown namespace gets NamespaceNotFound on every operation", async () => {
  const { engine } = fixture;
  for (const attempt of [
    () => engine.start("nope", "m", json({})),
    () => engine.call("nope", "m", json({})),
    () => engine.get("nope", "m"),
    () => engine.repair("nope", "m", json({})),
    () => engine.simpleRepair("nope", "m"),
    () => engine.remove("nope", "m"),
    () => engine.notify("nope", "m", json({})),
    () => engine.modernize("nope", "m"),
  ]) {
    await assert.rejects(attempt(), NamespaceNotFoundError);
  }
});

test("machine ids must be 1 to 1024 bytes of UTF-8", async () => {
  await assert.rejects(fixture.engine.start("b", "", json({})), InvalidRequestError);
  await assert.rejects(fixture.engine.start("b", "x".repeat(1025), json({})), LimitExceededError);
  await assert.rejects(
    fixture.engine.start("b", "я".repeat(513), json({})),
    LimitExceededError,
    "1026 bytes",
  );
  await assert.rejects(
    fixture.engine.get("b", "x".repeat(1024)),
    MachineNotFoundError,
    "1024 bytes is a valid id",
  );
  await fixture.engine.start("b", "я".repeat(512), json({}));
});

test("oversized arguments are refused before they reach the machine", async () => {
  const big = new Uint8Array(65);
  await unchanged(
    "m",
    () => fixture.engine.call("b", "m", big),
    (error) => error instanceof LimitExceededError,
  );
  await assert.rejects(fixture.engine.start("b", "fresh", big), LimitExceededError);
  await assert.rejects(
    fixture.engine.get("b", "fresh"),
    MachineNotFoundError,
    "a refused start creates nothing",
  );
  await unchanged(
    "m",
    () => fixture.engine.notify("b", "m", big),
    (error) => error instanceof LimitExceededError,
  );
});

test("a history range with a negative limit or an unknown direction is refused", async () => {
  const negative = { limit: -1, direction: "forward" } as HistoryRange;
  const sideways = { direction: "sideways" } as unknown as HistoryRange;
  for (const range of [negative, sideways]) {
    await assert.rejects(fixture.engine.get("b", "m", range), InvalidRequestError);
    await unchanged(
      "m",
      () => fixture.engine.call("b", "m", json({ op: "x" }), { range }),
      (error) => error instanceof InvalidRequestError,
    );
  }
});

test("a processor result over the limits fails the machine with the reason and commits none of it", async () => {
  for (const [index, op] of ["big_event", "big_aux", "many", "bad_route", "bad_timer"].entries()) {
    const id = `victim-${index}`;
    await fixture.engine.start("b", id, json({}));
    const before = await fixture.engine.get("b", id);
    await assert.rejects(fixture.engine.call("b", id, json({ op })), MachineFailedError);
    const after = await fixture.engine.get("b", id);
    assert.equal(after.status, "failed");
    assert.match(after.record.failure?.reason ?? "", /processor result is invalid/);
    assert.equal(after.record.lastEventId, before.record.lastEventId, `${op}: no event was appended`);
    assert.deepEqual(after.record.auxState, before.record.auxState, `${op}: the aux state is unchanged`);
  }
});

test("a result at exactly the limits is accepted", async () => {
  await fixture.engine.call("b", "m", json({ op: "many", n: 5 }));
  assert.equal((await fixture.engine.get("b", "m")).status, "idle");
});

test("a read asking for more events than one page may hold is refused; a limited range is served", async () => {
  const paged = createTestEngine({
    namespaces: [{ name: "p", processor, limits: { historyPageEventsMax: 3 } }],
  });
  try {
    await paged.engine.start("p", "long", json({}));
    for (const op of ["a", "b", "c"]) await paged.engine.call("p", "long", json({ op }));
    await assert.rejects(paged.engine.get("p", "long"), (error) => {
      assert.ok(error instanceof LimitExceededError);
      assert.equal(error.actual, 4, "the refusal names the size of the asked range");
      return true;
    });
    const page = await paged.engine.get("p", "long", { limit: 3, direction: "backward" });
    assert.deepEqual(
      page.history.map((event) => event.id),
      [4, 3, 2],
    );
  } finally {
    await paged.close();
  }
});
