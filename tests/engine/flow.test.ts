/**
 * The flow a namespace's journal folds into matches what really happened: a seeded processor walks 1,000
 * machines on SQLite (200 on PostgreSQL) through named steps, with transient failures under a fast retry policy
 * and a few fatal ones, and counts on its own every visit and transition it performs; Engine.flow() over the run's
 * window must give exactly those counts, attempts, retry and failure rates, with the declared flow's unseen edge
 * at 0 and its undeclared fast track marked so, and flowToMermaid must draw every edge. Strict mode: an undeclared
 * transition fails the machine with a reason naming both steps and commits none of the step, while allowed ones
 * commit.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Flow } from "../../src/core/flow.js";
import { flowToMermaid } from "../../src/core/flow.js";
import type { Engine } from "../../src/engine/engine.js";
import type { NamespaceOptions } from "../../src/engine/namespace.js";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import { pack, unpack } from "../../src/processors/payload.js";
import type { DisposableDatabase } from "../../src/storage/postgres/disposable-database.js";
import {
  createDisposableDatabase,
  createMigratedTemplate,
} from "../../src/storage/postgres/disposable-database.js";
import { PostgresStorage } from "../../src/storage/postgres/postgres-storage.js";
import { createTestEngine } from "../support/engine-fixture.js";
import type { CountedFlow, Tally } from "../support/seeded-flow-processor.js";
import { DECLARED_FLOW, seededFlowProcessor } from "../support/seeded-flow-processor.js";
import { waitFor } from "../support/wait.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NS = "payments";
const SEED = 20261201;
/** Retries at once: the flow counts them, the test need not wait for them. */
const FAST_RETRY = {
  backoff: { kind: "linear" as const, initialIntervalMs: 1, incrementMs: 0 },
  maxAttempts: 10,
};

let template: DisposableDatabase;

before(async () => {
  template = await createMigratedTemplate(ADMIN_URL, {
    prefix: "ratchet_flow_tpl",
    schema: "ratchet",
    nowUs: Date.now() * 1000,
  });
});

after(async () => {
  await template.drop();
});

/** Runs `machines` seeded walks to their end on `engine` and returns what the processor counted. */
async function runWalks(
  engine: Engine,
  walk: ReturnType<typeof seededFlowProcessor>,
  machines: number,
): Promise<CountedFlow> {
  const ids = Array.from({ length: machines }, (_, index) => `walk-${String(index).padStart(4, "0")}`);
  for (const id of ids) walk.plan(id);
  await Promise.all(ids.map((id) => engine.start(NS, id, new Uint8Array(0))));
  await waitFor(`${machines} walks to end`, () => walk.finished() === machines, { timeoutMs: 120_000 });
  // A walk ends when its last step's processor answers; wait for every machine's last commit too.
  await waitFor("every machine to settle", async () => {
    for (const id of ids) {
      const { status } = await engine.get(NS, id);
      if (status !== "idle" && status !== "failed") return false;
    }
    return true;
  });
  return walk.counted();
}

function figuresOf(tally: Tally) {
  return {
    count: tally.visits,
    attempts: tally.attempts,
    failureRate: tally.failed / tally.visits,
    retryRate: tally.retried / tally.visits,
  };
}

/** The flow's figures must be exactly the processor's own counts; durations only need to be sane. */
function assertFlowMatches(flow: Flow, counted: CountedFlow, machines: number): void {
  assert.equal(flow.truncated, false);
  assert.equal(counted.nodes.get("init")?.visits, machines);
  const observedNodes = flow.nodes.filter((node) => node.count > 0);
  assert.deepEqual(
    Object.fromEntries(
      observedNodes.map((node) => [
        node.step,
        {
          count: node.count,
          attempts: node.attempts,
          failureRate: node.failureRate,
          retryRate: node.retryRate,
        },
      ]),
    ),
    Object.fromEntries([...counted.nodes].map(([step, tally]) => [step, figuresOf(tally)])),
  );
  for (const node of observedNodes) {
    assert.ok(
      node.p50Ms >= 0 && node.p50Ms <= node.p95Ms,
      `${node.step} p50 ${node.p50Ms} ≤ p95 ${node.p95Ms}`,
    );
  }
  const observedEdges = flow.edges.filter((edge) => edge.count > 0);
  assert.deepEqual(
    Object.fromEntries(
      observedEdges.map((edge) => [
        `${edge.from} → ${edge.to}`,
        {
          count: edge.count,
          attempts: edge.attempts,
          failureRate: edge.failureRate,
          retryRate: edge.retryRate,
        },
      ]),
    ),
    Object.fromEntries([...counted.edges].map(([key, tally]) => [key, figuresOf(tally)])),
  );
  // The walk retries and fails somewhere, or the comparison above would prove little.
  assert.ok(
    observedNodes.some((node) => node.retryRate > 0) && observedNodes.some((node) => node.failureRate > 0),
  );
}

function assertDeclared(flow: Flow): void {
  const edge = (from: string, to: string) => flow.edges.find((each) => each.from === from && each.to === to);
  assert.deepEqual(
    {
      count: edge("capture", "refund")?.count,
      attempts: edge("capture", "refund")?.attempts,
      declared: edge("capture", "refund")?.declared,
    },
    { count: 0, attempts: 0, declared: true },
    "a declared transition never taken is listed at 0",
  );
  const fastTrack = edge("init", "bank_session");
  assert.ok(fastTrack !== undefined && fastTrack.count > 0);
  assert.equal(fastTrack.declared, false, "an observed transition the declaration lacks says so");
  for (const [from, to] of [
    ["init", "risk_check"],
    ["risk_check", "bank_session"],
    ["bank_session", "capture"],
    ["bank_session", "decline"],
  ]) {
    assert.equal(edge(from as string, to as string)?.declared, true, `${from} → ${to} is declared`);
  }
  const refund = flow.nodes.find((node) => node.step === "refund");
  assert.deepEqual({ count: refund?.count, declared: refund?.declared }, { count: 0, declared: true });
  assert.ok(flow.nodes.filter((node) => node.step !== "refund").every((node) => node.declared === true));
}

function assertMermaid(flow: Flow): void {
  const text = flowToMermaid(flow);
  assert.ok(text.startsWith("flowchart"), text.slice(0, 40));
  const ids = new Map(flow.nodes.map((node, index) => [node.step, `s${index}`]));
  for (const node of flow.nodes)
    assert.ok(text.includes(`${ids.get(node.step)}["${node.step}<br/>${node.count} ×`), node.step);
  for (const edge of flow.edges) {
    assert.match(
      text,
      new RegExp(`  ${ids.get(edge.from)} -[.-]+>?\\|${edge.count}\\| ${ids.get(edge.to)}\\n`),
      `${edge.from} → ${edge.to}`,
    );
  }
}

function flowNamespace(walk: ReturnType<typeof seededFlowProcessor>): NamespaceOptions {
  return { name: NS, processor: walk.processor, timerRetryPolicy: FAST_RETRY, flow: DECLARED_FLOW };
}

test("the flow of 1,000 seeded walks on SQLite matches the transitions the processor counted, with the declared flow against the observed", async () => {
  const walk = seededFlowProcessor(SEED);
  const fixture = createTestEngine({ namespaces: [flowNamespace(walk)] });
  try {
    const sinceUs = fixture.clock.nowUs();
    const counted = await runWalks(fixture.engine, walk, 1000);
    const flow = await fixture.engine.flow(NS, { sinceUs, untilUs: fixture.clock.nowUs() + 1 });
    assertFlowMatches(flow, counted, 1000);
    assertDeclared(flow);
    assertMermaid(flow);
    // A window that ends before the run folds nothing.
    const before = await fixture.engine.flow(NS, { sinceUs: sinceUs - 2_000_000, untilUs: sinceUs });
    assert.equal(before.entries, 0);
  } finally {
    await fixture.close();
  }
});

test("the flow of 200 seeded walks on PostgreSQL matches the transitions the processor counted", async () => {
  const database = await createDisposableDatabase(ADMIN_URL, {
    prefix: "ratchet_flow",
    template: template.name,
  });
  const storage = await PostgresStorage.open({
    connectionString: database.connectionString,
    poolSize: 4,
    statementTimeoutMs: 10_000,
    applicationName: "ratchet-flow-test",
    nowUs: () => Date.now() * 1000,
    migrate: false,
  });
  const walk = seededFlowProcessor(SEED + 1);
  const fixture = createTestEngine({ storage, namespaces: [flowNamespace(walk)] });
  try {
    const sinceUs = fixture.clock.nowUs();
    const counted = await runWalks(fixture.engine, walk, 200);
    const flow = await fixture.engine.flow(NS, { sinceUs, untilUs: fixture.clock.nowUs() + 1 });
    assertFlowMatches(flow, counted, 200);
    assertDeclared(flow);
    assertMermaid(flow);
  } finally {
    await fixture.close();
    await storage.close();
    await database.drop();
  }
});

/** A step held inside the processor until the test lets it go. */
interface Gate {
  entered: boolean;
  release: () => void;
  readonly released: Promise<void>;
}

function newGate(): Gate {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { entered: false, release: () => release(), released };
}

/** What step a arms next, per machine: b is declared, c is not, and neither is a plain timer ("timer"). */
const NEXT_OF_A: Record<string, string | undefined> = {
  "strict-good": "b",
  "strict-bad": "c",
  "strict-unnamed": undefined,
};

/**
 * Strict mode with init → a → b declared. Step a waits inside the processor while its machine has a gate, so the
 * test reads the record the refused step started from.
 */
function strictNamespace(gates: ReadonlyMap<string, Gate>): NamespaceOptions {
  const processor = localProcessor({
    init: () => ({
      events: [{ data: pack("init") }],
      auxState: { data: pack("a") },
      timer: timer.now({ step: "a" }),
    }),
    timer: async ({ machine }) => {
      if (unpack(machine.auxState.data) === "b") {
        return { events: [{ data: pack("b") }], auxState: { data: pack("done") }, timer: timer.unset() };
      }
      const gate = gates.get(machine.id);
      if (gate !== undefined) {
        gate.entered = true;
        await gate.released;
      }
      const next = NEXT_OF_A[machine.id];
      return {
        events: [{ data: pack("a") }],
        auxState: { data: pack(next ?? "unnamed") },
        timer: next === undefined ? timer.after(0) : timer.now({ step: next }),
      };
    },
  });
  const transitions: [string, string][] = [
    ["init", "a"],
    ["a", "b"],
  ];
  return { name: "strict", processor, flow: { strict: true, steps: ["init", "a", "b"], transitions } };
}

/** Step a of `id` arms step `next`, which the flow does not allow: the machine fails and keeps all else. */
async function assertRefused(engine: Engine, gate: Gate, id: string, next: string): Promise<void> {
  await engine.start("strict", id, new Uint8Array(0));
  await waitFor(`${id}'s step a to reach the processor`, () => gate.entered);
  const before = await engine.get("strict", id);
  gate.release();
  const after = await waitFor(`${id} to fail`, async () => {
    const snapshot = await engine.get("strict", id);
    return snapshot.status === "failed" && snapshot;
  });
  assert.equal(after.record.failure?.reason, `the declared flow of strict does not allow a → ${next}`);
  assert.equal(after.record.failure?.previousStatus, "waiting");
  // Nothing of the refused step: the same events, aux state and timer (still step a's) as before it ran.
  const { failure, updatedAtUs, stepNumber, ...rest } = after.record;
  const { failure: none, updatedAtUs: then, stepNumber: number, ...restBefore } = before.record;
  assert.equal(none, null);
  assert.deepEqual(rest, restBefore);
  assert.equal(after.record.timer?.step, "a");
  assert.deepEqual(after.history, before.history);
  assert.ok(stepNumber > number && updatedAtUs >= then);
  const journal = await engine.steps("strict", id);
  assert.deepEqual(
    journal.map((entry) => [entry.name, entry.outcome, entry.eventsAppended]),
    [
      ["init", "committed", 1],
      ["a", "fatal_error", 0],
    ],
  );
  assert.match(journal[1]?.errorText ?? "", new RegExp(`a → ${next}`));
}

test("strict mode: an undeclared transition fails the machine naming both steps and commits none of the step; allowed ones commit", async () => {
  const gates = new Map([
    ["strict-bad", newGate()],
    ["strict-unnamed", newGate()],
  ]);
  const fixture = createTestEngine({ namespaces: [strictNamespace(gates)] });
  try {
    await assertRefused(fixture.engine, gates.get("strict-bad") as Gate, "strict-bad", "c");
    await assertRefused(fixture.engine, gates.get("strict-unnamed") as Gate, "strict-unnamed", "timer");

    await fixture.engine.start("strict", "strict-good", new Uint8Array(0));
    const done = await waitFor("the allowed walk to end", async () => {
      const snapshot = await fixture.engine.get("strict", "strict-good");
      return snapshot.status === "idle" && snapshot;
    });
    assert.deepEqual(
      done.history.map((event) => unpack(event.data)),
      ["init", "a", "b"],
    );
    const journal = await fixture.engine.steps("strict", "strict-good");
    assert.deepEqual(
      journal.map((entry) => [entry.name, entry.outcome]),
      [
        ["init", "committed"],
        ["a", "committed"],
        ["b", "committed"],
      ],
    );
  } finally {
    for (const gate of gates.values()) gate.release();
    await fixture.close();
  }
});
