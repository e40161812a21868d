/**
 * RatchetClient against a real node serving the JSON API on a real socket (tests/support/api-node.ts): every
 * method and its typed view, the paging iterators over more than three pages (the requests they sent are
 * counted by the fetch the client is given, which is the global one), and bad input refused with its typed error
 * and changing nothing. Refusals are in tests/sdk/client-errors.test.ts, the client against `ratchet serve` in
 * tests/sdk/client-serve.test.ts. The client's wire types are pinned to the server's schemas at compile time.
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import type { z } from "zod";
import { InvalidRequestError } from "../../src/core/errors.js";
import type { FlowView, StepPage } from "../../src/http/api/journal-routes.js";
import type {
  MachinePage,
  MachineView,
  NamespaceList,
  NotificationList,
  NotifiedView,
  ResponseView,
} from "../../src/http/api/schemas.js";
import type { JsonValue } from "../../src/mg/msgpack/natural-json.js";
import type * as Wire from "../../src/sdk/client-wire.js";
import {
  InvalidRequestApiError,
  LimitExceededApiError,
  MachineAlreadyWorkingApiError,
  MachineFailedApiError,
  MachineNotFoundApiError,
  MachineNotPausedApiError,
  MachinePausedApiError,
  RatchetClient,
  RepairFailedApiError,
} from "../../src/sdk/index.js";
import { type ApiNode, BODY_BYTES_MAX, startApiNode } from "../support/api-node.js";
import { refusal } from "../support/refusal.js";
import { waitFor } from "../support/wait.js";

/** A schema's inferred type with its payloads (unknown) read as natural JSON and its arrays read-only. */
type Natural<T> = unknown extends T
  ? JsonValue
  : T extends readonly (infer Item)[]
    ? readonly Natural<Item>[]
    : T extends object
      ? { readonly [Key in keyof T]: Natural<T[Key]> }
      : T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Fails the build when a wire type and the server's schema drift apart, either way. */
const WIRE_TYPES_MATCH_THE_SCHEMAS: [
  Same<Wire.WireMachine, Natural<z.infer<typeof MachineView>>>,
  Same<Wire.WireMachinePage, Natural<z.infer<typeof MachinePage>>>,
  Same<Wire.WireResponse, Natural<z.infer<typeof ResponseView>>>,
  Same<Wire.WireNotified, Natural<z.infer<typeof NotifiedView>>>,
  Same<Wire.WireNotificationList, Natural<z.infer<typeof NotificationList>>>,
  Same<Wire.WireNamespaceList, Natural<z.infer<typeof NamespaceList>>>,
  Same<Wire.WireStepPage, Natural<z.infer<typeof StepPage>>>,
  Same<Wire.WireFlow, Natural<z.infer<typeof FlowView>>>,
] = [true, true, true, true, true, true, true, true];
void WIRE_TYPES_MATCH_THE_SCHEMAS;

const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

let api: ApiNode | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** A node and a client whose fetch (the global one) records every URL it is sent to. */
async function setup(options: { scheduler?: boolean } = {}) {
  api = await startApiNode(options);
  const sent: string[] = [];
  const client = new RatchetClient({
    baseUrl: `${api.baseUrl}/`,
    fetch: (input, init) => {
      sent.push(String(input));
      return fetch(input, init);
    },
  });
  return { client, sent, api };
}

test("start, get, call, repair, simple repair, notify, notifications and remove answer typed views", async () => {
  // No scheduler: the notification stays pending, and the timer only shows.
  const { client, api } = await setup({ scheduler: false });
  const id = "pay/1 ü?#";
  const started = await client.start("payments", id, { amount: 100 });
  assert.deepEqual(
    { ...started, createdAt: "", updatedAt: "", events: [] },
    {
      namespace: "payments",
      id,
      status: "idle",
      failure: null,
      pause: null,
      timer: null,
      retry: null,
      auxState: { amount: 100 },
      auxStateFormatVersion: null,
      createdAt: "",
      updatedAt: "",
      lastEventId: 1,
      events: [],
      nextAfter: null,
    },
  );
  assert.match(started.createdAt, INSTANT);
  assert.deepEqual(started.events, [
    { id: 1, createdAt: started.events[0]?.createdAt, formatVersion: null, data: { event: "created" } },
  ]);
  assert.match(started.events[0]?.createdAt ?? "", INSTANT);

  assert.equal(await client.call("payments", id, { op: "add", n: 5 }), 105);
  const escapes = { big: { $int: "9007199254740993" }, bytes: { $bytes: "AAE=" } };
  assert.deepEqual(await client.call("payments", id, escapes, { range: { limit: 1 } }), escapes);
  assert.equal(await client.call("payments", id, { op: "timer", ms: 60_000 }), "ok");
  const waiting = await client.get("payments", id);
  assert.equal(waiting.status, "waiting");
  assert.match(waiting.timer?.dueAt ?? "", INSTANT);
  assert.deepEqual([waiting.timer?.step, waiting.auxState], [null, { amount: 105 }]);

  const { notificationId } = await client.notify("payments", id, "hello");
  const pending = await client.notifications("payments", id);
  assert.deepEqual(
    pending.map(({ id, attempts, lastError }) => ({ id, attempts, lastError })),
    [{ id: notificationId, attempts: 0, lastError: null }],
  );
  assert.match(pending[0]?.nextAttemptAt ?? "", INSTANT);

  const failed = await refusal(client.call("payments", id, { op: "fail" }), MachineFailedApiError);
  assert.deepEqual(
    [failed.status, failed.namespace, failed.machineId, failed.failureClass, failed.transient],
    [409, "payments", id, "processed", false],
  );
  assert.match(failed.reason, /failed on purpose/);
  const broken = await client.get("payments", id);
  assert.deepEqual([broken.status, broken.failure?.previousStatus], ["failed", "waiting"]);
  const refused = await refusal(client.repair("payments", id, { op: "refuse" }), RepairFailedApiError);
  assert.deepEqual([refused.status, refused.reason], [422, { why: "no" }]);
  assert.equal(await client.repair("payments", id, { op: "ok" }), "repaired");
  assert.equal((await client.get("payments", id)).status, "waiting");

  await refusal(client.call("payments", id, { op: "fail" }), MachineFailedApiError);
  await client.simpleRepair("payments", id);
  assert.equal((await client.get("payments", id)).status, "waiting");
  const working = await refusal(client.simpleRepair("payments", id), MachineAlreadyWorkingApiError);
  assert.deepEqual([working.status, working.machineId], [409, id]);

  await client.remove("payments", id);
  const gone = await refusal(client.get("payments", id), MachineNotFoundApiError);
  assert.deepEqual(
    [gone.status, gone.namespace, gone.machineId, gone.code],
    [404, "payments", id, "machine_not_found"],
  );
  assert.deepEqual(api.invocations, [
    `${id}:init`,
    ...Array(4).fill(`${id}:call`),
    `${id}:repair`,
    `${id}:repair`,
    `${id}:call`,
  ]);
});

test("search filters and pages; searchAll, historyAll and stepsAll follow their cursors over more than three pages", async () => {
  const { client, sent } = await setup();
  for (let index = 0; index < 10; index += 1) await client.start("payments", `m-${index}`, null);
  await refusal(client.call("payments", "m-3", { op: "fail" }), MachineFailedApiError);
  await client.call("payments", "m-5", { op: "timer", ms: 3_600_000 });

  sent.length = 0;
  const all: string[] = [];
  for await (const machine of client.searchAll("payments", { limit: 3 })) all.push(machine.id);
  assert.deepEqual(
    all,
    Array.from({ length: 10 }, (_, index) => `m-${index}`),
  );
  assert.equal(sent.length, 4, "four pages of three");
  assert.deepEqual(
    sent.map((url) => new URL(url).searchParams.has("cursor")),
    [false, true, true, true],
  );

  const failed = await client.search("payments", { status: "failed" });
  assert.deepEqual(
    failed.machines.map((machine) => [machine.id, machine.status]),
    [["m-3", "failed"]],
  );
  assert.match(failed.machines[0]?.failureReason ?? "", /failed on purpose/);
  assert.equal(failed.nextCursor, null);
  const page = await client.search("payments", { status: "working", prefix: "m-", limit: 2 });
  assert.deepEqual(
    page.machines.map((machine) => machine.id),
    ["m-0", "m-1"],
  );
  const next = await client.search("payments", {
    status: "working",
    limit: 2,
    cursor: page.nextCursor ?? "",
  });
  assert.deepEqual(
    next.machines.map((machine) => machine.id),
    ["m-2", "m-4"],
  );
  const timers = await client.search("payments", { timerDueBefore: new Date(Date.now() + 7_200_000) });
  assert.deepEqual(
    timers.machines.map((machine) => [machine.id, machine.status]),
    [["m-5", "waiting"]],
  );
  assert.match(timers.machines[0]?.timerDueAt ?? "", INSTANT);
  assert.deepEqual(
    (await client.search("payments", { updatedSince: new Date(Date.now() + 60_000) })).machines,
    [],
  );
  const counts = (await client.namespaces()).find((namespace) => namespace.name === "payments");
  assert.deepEqual(counts?.machineCounts, { idle: 8, waiting: 1, retrying: 0, paused: 0, failed: 1 });
  assert.equal(counts?.countsCappedAt, 10_000);

  await client.call("payments", "m-0", { op: "emit", n: 10 });
  const read = await client.get("payments", "m-0", { after: 4, limit: 2 });
  assert.deepEqual([read.events.map((event) => event.id), read.nextAfter], [[5, 6], 6]);
  sent.length = 0;
  const ids: number[] = [];
  for await (const event of client.historyAll("payments", "m-0", { limit: 3 })) ids.push(event.id);
  assert.deepEqual(ids, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.equal(sent.length, 4, "four pages of up to three events");
  const backward: number[] = [];
  for await (const event of client.historyAll("payments", "m-0", { limit: 4, direction: "backward" }))
    backward.push(event.id);
  assert.deepEqual(backward, [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);

  for (let call = 0; call < 6; call += 1) await client.call("payments", "m-1", { op: "get" });
  const first = await client.steps("payments", "m-1", { limit: 2 });
  assert.deepEqual(
    first.steps.map((step) => [step.stepNumber, step.kind, step.outcome]),
    [
      [1, "init", "committed"],
      [2, "call", "committed"],
    ],
  );
  assert.equal(first.nextAfter, 2);
  assert.match(first.steps[0]?.startedAt ?? "", INSTANT);
  assert.equal(typeof first.steps[0]?.durationMs, "number");
  sent.length = 0;
  const numbers: number[] = [];
  for await (const step of client.stepsAll("payments", "m-1", { limit: 2 })) numbers.push(step.stepNumber);
  assert.deepEqual(numbers, [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(sent.length, 4, "four pages of up to two steps");
  const newest = await client.steps("payments", "m-1", { direction: "backward", limit: 1 });
  assert.equal(newest.steps[0]?.stepNumber, 7);
});

test("bad input surfaces as its typed error, names what is wrong and changes nothing", async () => {
  const { client, sent, api } = await setup();
  await client.start("payments", "kept", { amount: 7 });
  const before = await client.get("payments", "kept");
  const invalid = await refusal(client.start("payments", "", null), InvalidRequestApiError);
  assert.deepEqual([invalid.status, invalid.field], [400, "json.id"]);
  assert.ok(invalid.errors.length >= 1);
  const badEscape = await refusal(client.start("payments", "x", { $what: 1 }), InvalidRequestApiError);
  assert.equal(badEscape.field, "args");
  const long = await refusal(client.start("payments", "x".repeat(1025), null), LimitExceededApiError);
  assert.deepEqual(
    [long.status, long.limit, long.actual, long.maximum],
    [422, "machine id bytes", 1025, 1024],
  );
  const big = await refusal(client.start("payments", "x", "y".repeat(BODY_BYTES_MAX)), LimitExceededApiError);
  assert.deepEqual([big.status, big.limit, big.maximum], [413, "request body bytes", BODY_BYTES_MAX]);
  const range = await refusal(
    client.call("payments", "kept", { op: "add" }, { range: { limit: -1 } }),
    InvalidRequestApiError,
  );
  assert.match(range.field ?? "", /range/);
  await refusal(
    client.call("payments", "kept", { op: "add" }, { idempotencyKey: "k".repeat(256) }),
    LimitExceededApiError,
  );
  const page = await refusal(client.get("payments", "kept", { limit: 5000 }), LimitExceededApiError);
  assert.deepEqual([page.limit, page.actual, page.maximum], ["events in one page", 5000, 1000]);
  await refusal(client.get("payments", "kept", { limit: -1 }), InvalidRequestApiError);
  await refusal(client.search("payments", { cursor: "!!" }), InvalidRequestApiError);
  await refusal(client.search("payments", { updatedSince: "yesterday" }), InvalidRequestApiError);
  await refusal(client.steps("payments", "kept", { limit: 0 }), InvalidRequestApiError);
  await refusal(
    client.flow("payments", { since: "2030-01-01T00:00:00Z", until: "2020-01-01T00:00:00Z" }),
    InvalidRequestApiError,
  );
  await refusal(client.pause("payments", "kept", ""), InvalidRequestApiError);

  sent.length = 0;
  const unsendable = await refusal(
    client.call("payments", "kept", { op: "add" }, { idempotencyKey: "ключ" }),
    InvalidRequestError,
  );
  assert.deepEqual([unsendable.field, sent], ["idempotencyKey", []], "refused before anything was sent");

  const after = await client.get("payments", "kept");
  assert.deepEqual(after, before, "the machine is as it was");
  assert.deepEqual(
    (await client.search("payments")).machines.map((machine) => machine.id),
    ["kept"],
    "no machine was created",
  );
  assert.deepEqual(api.invocations, ["kept:init"], "no step ran");
});

test("pause, resume and retry-now hold a machine; steps and the flow read its journal as JSON and as Mermaid", async () => {
  const { client, api } = await setup();
  api.bank.down = true;
  await client.start("pay", "p1", {});
  const retrying = await waitFor("the capture's retry series", async () => {
    const machine = await client.get("pay", "p1");
    return machine.status === "retrying" ? machine : undefined;
  });
  assert.deepEqual([retrying.retry?.attempt, retrying.timer?.step], [1, "capture"]);
  assert.match(retrying.retry?.lastError ?? "", /the bank is down/);
  await client.retryNow("pay", "p1");
  await waitFor("the second attempt", async () => (await client.get("pay", "p1")).retry?.attempt === 2);
  const notPaused = await refusal(client.resume("pay", "p1"), MachineNotPausedApiError);
  assert.deepEqual([notPaused.status, notPaused.machineId], [409, "p1"]);

  await client.pause("pay", "p1", "bank maintenance");
  const paused = await client.get("pay", "p1");
  assert.equal(paused.status, "paused");
  assert.deepEqual(
    [paused.pause?.by, paused.pause?.reason, paused.timer?.step],
    ["operator", "bank maintenance", "capture"],
  );
  const refused = await refusal(client.call("pay", "p1", "status"), MachinePausedApiError);
  assert.deepEqual([refused.status, refused.reason, refused.machineId], [409, "bank maintenance", "p1"]);
  assert.deepEqual(
    (await client.search("pay", { status: "paused" })).machines.map((machine) => machine.id),
    ["p1"],
  );

  api.bank.down = false;
  await client.resume("pay", "p1");
  await waitFor("the capture", async () => (await client.get("pay", "p1")).status === "idle");
  await refusal(client.retryNow("pay", "p1"), MachineNotPausedApiError);
  assert.equal((await client.get("pay", "p1")).lastEventId, 3);

  const journal: string[] = [];
  for await (const step of client.stepsAll("pay", "p1", { limit: 1 }))
    journal.push(`${step.name}:${step.outcome}`);
  assert.deepEqual(journal.slice(0, 2), ["init:committed", "risk_check:committed"]);
  assert.equal(journal.at(-1), "capture:committed");
  assert.ok(journal.includes("capture:transient_error"), journal.join(", "));
  assert.ok(journal.includes("pause:committed") && journal.includes("resume:committed"), journal.join(", "));

  const flow = await client.flow("pay");
  assert.deepEqual(
    flow.edges
      .filter((edge) => edge.from === "init" || edge.from === "risk_check")
      .map((edge) => [edge.from, edge.to, edge.count]),
    [
      ["init", "risk_check", 1],
      ["risk_check", "capture", 1],
    ],
  );
  const capture = flow.nodes.find((node) => node.step === "capture");
  // Two failed attempts and the one after the resume; the operator's steps between them part the visits.
  assert.deepEqual([capture?.attempts, capture?.declared], [3, null]);
  assert.match(flow.since, INSTANT);
  const mermaid = await client.flowMermaid("pay", { since: new Date(Date.now() - 60_000) });
  assert.match(mermaid, /^flowchart LR\n/);
  assert.match(mermaid, /risk_check/);
  const empty = await client.flow("pay", {
    since: new Date("1999-01-01T00:00:00Z"),
    until: "2000-01-01T00:00:00Z",
  });
  assert.deepEqual([empty.nodes, empty.edges, empty.entries], [[], [], 0]);
});
