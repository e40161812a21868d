/**
 * RatchetClient against `ratchet serve` as a child process, whose namespace `orders` reaches a processor written
 * with the SDK (served by this process over HTTP-JSON, counting its call steps): the client drives a machine
 * through start, call, notify, reads, search and removal; and a call whose client gave up (its signal aborted, or
 * its timeout passed) while the step ran is sent again with the same idempotency key, as the SDK's retry pattern
 * says, until it gets the first outcome, having run one step.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import {
  defineProcessor,
  type JsonValue,
  MachineNotFoundApiError,
  NoAnswerError,
  NotProcessedApiError,
  newIdempotencyKey,
  RatchetClient,
  RatchetError,
  type ServedProcessor,
  serveProcessor,
} from "../../src/sdk/index.js";
import { refusal } from "../support/refusal.js";
import { waitFor } from "../support/wait.js";

const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
/** How long a `slow` call step takes: far longer than the client waits before it gives up. */
const SLOW_CALL_MS = 400;

let directory: string;
let served: ServedProcessor;
let child: ChildProcess;
let client: RatchetClient;
const callsRun: JsonValue[] = [];

const orders = defineProcessor<{ auxState: { stage: string } }>({
  init: ({ args, result }) => result.append({ type: "created", args }).setAuxState({ stage: "new" }),
  call: async ({ args, result }) => {
    callsRun.push(args);
    if (args === "slow") await sleep(SLOW_CALL_MS);
    return result.append({ type: "called", args }).respond({ called: args });
  },
  notification: ({ args, result }) =>
    result.append({ type: "notified", args }).setAuxState({ stage: "paid" }),
});

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-client-"));
  served = await serveProcessor(orders, { port: 0 });
  const config = join(directory, "ratchet.yaml");
  writeFileSync(
    config,
    `woody_server:
  ip: 127.0.0.1
  port: 0
  shutdown_timeout: 5s
storage:
  type: sqlite
  path: ${join(directory, "orders.db")}
namespaces:
  orders:
    processor:
      url: ${served.url}/process
      protocol: http-json
`,
  );
  child = spawn(process.execPath, [CLI, "serve", "--config", config], { stdio: "pipe" });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const baseUrl = await waitFor("the listening line", () => /listening on (http:\/\/\S+)/.exec(output)?.[1], {
    timeoutMs: 15_000,
    intervalMs: 20,
  });
  client = new RatchetClient({ baseUrl });
});

after(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  await served?.close();
  rmSync(directory, { recursive: true, force: true });
});

/** The SDK's retry pattern: one key for the request, sent again while the failure is transient. */
async function callUntilAnswered(
  id: string,
  args: JsonValue,
  idempotencyKey: string,
  retried: string[] = [],
) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await client.call("orders", id, args, { idempotencyKey });
    } catch (error) {
      if (!(error instanceof RatchetError) || !error.transient || attempt === 50) throw error;
      retried.push(error.code);
      await sleep(error instanceof NotProcessedApiError ? (error.retryAfterMs ?? 100) : 100);
    }
  }
}

const eventTypes = async (id: string) => {
  const types: JsonValue[] = [];
  for await (const event of client.historyAll("orders", id, { limit: 2 }))
    types.push((event.data as { type: JsonValue }).type);
  return types;
};

test("through ratchet serve, the client starts, calls, notifies, reads, searches and removes a machine", async () => {
  const started = await client.start("orders", "o-1", { amount: 5 });
  assert.deepEqual(
    [started.status, started.auxState, started.events.map((event) => event.data)],
    ["idle", { stage: "new" }, [{ type: "created", args: { amount: 5 } }]],
  );
  assert.deepEqual(await client.call("orders", "o-1", "hello"), { called: "hello" });
  const { notificationId } = await client.notify("orders", "o-1", "paid");
  assert.equal(typeof notificationId, "string");
  await waitFor("the notification step", async () => (await client.get("orders", "o-1")).lastEventId === 3);
  assert.deepEqual(await eventTypes("o-1"), ["created", "called", "notified"]);
  assert.deepEqual(await client.notifications("orders", "o-1"), []);
  assert.deepEqual((await client.get("orders", "o-1")).auxState, { stage: "paid" });
  const found = await client.search("orders", { prefix: "o-", status: "working" });
  assert.deepEqual(
    found.machines.map((machine) => machine.id),
    ["o-1"],
  );
  const names = (await client.namespaces()).map((namespace) => namespace.name);
  assert.deepEqual(names, ["orders"]);
  await client.remove("orders", "o-1");
  await refusal(client.get("orders", "o-1"), MachineNotFoundApiError);
});

test("a call retried with its idempotency key after an aborted request, or the client's timeout, runs one step", async () => {
  await client.start("orders", "o-2", null);
  const before = callsRun.length;
  const aborted = newIdempotencyKey();
  const gaveUp = await refusal(
    client.call("orders", "o-2", "slow", { idempotencyKey: aborted, signal: AbortSignal.timeout(50) }),
    NoAnswerError,
  );
  assert.deepEqual([gaveUp.reason, gaveUp.failureClass], ["aborted", "result_unknown"]);
  const retried: string[] = [];
  assert.deepEqual(await callUntilAnswered("o-2", "slow", aborted, retried), { called: "slow" });
  assert.ok(retried.includes("idempotency_key_in_flight"), `the first still ran: ${retried.join(", ")}`);

  const timedOut = newIdempotencyKey();
  const late = await refusal(
    client.call("orders", "o-2", "slow", { idempotencyKey: timedOut, timeoutMs: 50 }),
    NoAnswerError,
  );
  assert.deepEqual([late.reason, late.failureClass], ["timeout", "result_unknown"]);
  assert.deepEqual(await callUntilAnswered("o-2", "slow", timedOut), { called: "slow" });
  assert.deepEqual(await callUntilAnswered("o-2", "slow", timedOut), { called: "slow" }, "answered again");

  assert.deepEqual(callsRun.slice(before), ["slow", "slow"], "one step per key");
  assert.deepEqual(await eventTypes("o-2"), ["created", "called", "called"]);
  assert.notEqual(aborted, timedOut);
});
