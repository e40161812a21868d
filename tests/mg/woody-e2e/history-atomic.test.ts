/**
 * Ports MG's `history_changed_atomically` (group history, repeated 5 times): while a Start whose init emits 1000
 * events and sets an aux state is in flight, 50 concurrent GetMachine calls over the wire (range: the last 5,
 * backward) each see either no machine or the complete step, never part of it.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { WoodyBusinessError } from "../../../src/mg/woody/errors.js";
import { bodies, descriptor, type E2eNode, NS, startE2eNode, valueText } from "./harness.js";
import { bin } from "./mg-test-processor.js";

const HISTORY_LENGTH = 1000;
const HISTORY_LIMIT = 5;
const OBSERVERS = 50;
const OBSERVER_DELAY_MS_MAX = 200;
const REPEATS = 5;

let e2e: E2eNode;

before(async () => {
  e2e = await startE2eNode();
});

after(() => e2e.close());

/** One observation: "none" when the machine is not there yet, else the ids, bodies and aux state seen. */
async function observe(id: string): Promise<string> {
  try {
    const machine = await e2e.automaton.call("GetMachine", {
      desc: descriptor(id, { limit: HISTORY_LIMIT, direction: "backward" }),
    });
    const ids = machine.history.map((event) => event.id);
    const aux = machine.aux_state === undefined ? undefined : valueText(machine.aux_state.data);
    return JSON.stringify({ ids: ids.map(Number), bodies: bodies(machine.history), aux });
  } catch (error) {
    if (error instanceof WoodyBusinessError && error.typeName === "MachineNotFound") return "none";
    throw error;
  }
}

for (let round = 1; round <= REPEATS; round += 1) {
  test(`history_changed_atomically, round ${round}: observers see nothing or all ${HISTORY_LENGTH} events`, async (t) => {
    const id = `history-${round}-${Date.now()}`;
    const fire = { arr: [bin("fire"), { i: BigInt(HISTORY_LENGTH) }, bin("welcome"), bin("see?!")] };
    const observations = await Promise.all([
      e2e.automaton.call("Start", { ns: NS, id, a: fire }).then(() => "started"),
      ...Array.from({ length: OBSERVERS }, async () => {
        await sleep(Math.floor(Math.random() * OBSERVER_DELAY_MS_MAX));
        return observe(id);
      }),
    ]);
    const complete = JSON.stringify({
      ids: Array.from({ length: HISTORY_LIMIT }, (_, index) => HISTORY_LENGTH - index),
      bodies: Array.from({ length: HISTORY_LIMIT }, () => "welcome"),
      aux: "see?!",
    });
    const none = observations.filter((observation) => observation === "none").length;
    t.diagnostic(`${none} of ${OBSERVERS} observers came before the commit, ${OBSERVERS - none} after`);
    const seen = new Set(observations.slice(1));
    seen.delete("none");
    seen.delete(complete);
    assert.deepEqual([...seen], [], "no observer saw a partial step");
    assert.equal(await observe(id), complete);
  });
}
