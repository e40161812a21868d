/**
 * A different processor per step, the growth point toward a workflow engine: a namespace routes each kind of
 * step to a named processor, and a timer can name the processor of the step it schedules, overriding the route.
 * Each processor records what it handled; the history shows who wrote each event.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";
import { waitFor } from "../support/wait.js";

const wrote = (who: string, what: string) => ({ events: [{ data: json({ who, what }) }] });

test("routes send each kind of step to its processor, and a timer can choose the next step's processor", async () => {
  const main = localProcessor({
    init: () => ({ ...wrote("main", "init"), timer: timer.now({ processor: "scoring" }) }),
    timer: () => wrote("main", "timer"),
  });
  const scoring = localProcessor({
    timer: () => ({ ...wrote("scoring", "timer"), timer: timer.after(10) }),
  });
  const support = localProcessor({
    call: () => ({ ...wrote("support", "call"), response: json("handled by support") }),
    repair: () => wrote("support", "repair"),
  });
  const fixture = createTestEngine({
    namespaces: [
      {
        name: "flow",
        processor: main,
        processors: { scoring, support },
        routes: { call: "support", repair: "support" },
      },
    ],
  });
  try {
    await fixture.engine.start("flow", "f", json({}));
    await waitFor(
      "the scoring step and the timer after it",
      async () => (await fixture.engine.get("flow", "f")).record.lastEventId === 3,
    );
    assert.equal(parse(await fixture.engine.call("flow", "f", json({}))), "handled by support");
    const steps = (await fixture.engine.get("flow", "f")).history.map((event) =>
      parse<{ who: string; what: string }>(event.data),
    );
    assert.deepEqual(steps, [
      { who: "main", what: "init" },
      { who: "scoring", what: "timer" },
      { who: "main", what: "timer" },
      { who: "support", what: "call" },
    ]);
  } finally {
    await fixture.close();
  }
});

test("a namespace whose route names a processor it does not have is refused at start", () => {
  const main = localProcessor({});
  assert.throws(
    () => createTestEngine({ namespaces: [{ name: "bad", processor: main, routes: { call: "missing" } }] }),
    /route call names processor missing/,
  );
});
