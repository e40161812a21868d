/**
 * Modernize (mg_modernizer_tests_SUITE): events older than the namespace's current format version go through the
 * modernizer and only strictly upgraded bodies are written; a partial range touches only its events; a second
 * modernize changes nothing; a namespace without a modernizer answers NamespaceNotFound, as MG does.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { NamespaceNotFoundError } from "../../src/core/errors.js";
import { localProcessor } from "../../src/processors/local-processor.js";
import type { Modernizer } from "../../src/processors/processor.js";
import type { EngineFixture } from "../support/engine-fixture.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";

let fixture: EngineFixture;
const seen: number[] = [];
const modernizer: Modernizer = {
  async modernizeEvent({ event }) {
    seen.push(event.id);
    return { formatVersion: 2, data: json({ upgraded: parse(event.data) }) };
  },
};
const processor = localProcessor({
  call: ({ machine }) => ({ response: json(machine.history.map((event) => event.formatVersion ?? null)) }),
  init: () => ({
    events: [
      { data: json("legacy") },
      { formatVersion: 1, data: json("old") },
      { formatVersion: 2, data: json("current") },
      { formatVersion: 1, data: json("old too") },
    ],
  }),
});

before(() => {
  fixture = createTestEngine({
    namespaces: [
      { name: "mod", processor, modernizer: { processor: modernizer, currentFormatVersion: 2 } },
      { name: "plain", processor },
    ],
  });
});
after(() => fixture.close());

test("a partial range modernizes only its outdated events", async () => {
  await fixture.engine.start("mod", "p", json({}));
  const changed = await fixture.engine.modernize("mod", "p", { after: 1, limit: 2, direction: "forward" });
  assert.equal(changed, 1);
  assert.deepEqual(seen, [2], "event 3 is current and was not sent");
  const history = (await fixture.engine.get("mod", "p")).history;
  assert.deepEqual(
    history.map((event) => event.formatVersion),
    [undefined, 2, 2, 1],
  );
});

test("the whole history is modernized, and a second run changes nothing", async () => {
  await fixture.engine.start("mod", "w", json({}));
  seen.length = 0;
  assert.equal(await fixture.engine.modernize("mod", "w"), 3);
  const history = (await fixture.engine.get("mod", "w")).history;
  assert.deepEqual(
    history.map((event) => parse(event.data)),
    [{ upgraded: "legacy" }, { upgraded: "old" }, "current", { upgraded: "old too" }],
  );
  assert.equal(await fixture.engine.modernize("mod", "w"), 0);
});

test("a namespace without a modernizer answers NamespaceNotFound", async () => {
  await fixture.engine.start("plain", "x", json({}));
  await assert.rejects(fixture.engine.modernize("plain", "x"), NamespaceNotFoundError);
});

test("a step after modernization is handed the new bodies, not a cached history", async () => {
  await fixture.engine.start("mod", "cached", json({}));
  assert.deepEqual(parse(await fixture.engine.call("mod", "cached", json({}))), [null, 1, 2, 1]);
  await fixture.engine.modernize("mod", "cached");
  assert.deepEqual(parse(await fixture.engine.call("mod", "cached", json({}))), [2, 2, 2, 2]);
});
