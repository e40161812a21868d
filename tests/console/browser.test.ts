/**
 * The console in a real browser: Debian's chromium, headless, driven by playwright-core, against a real node
 * (tests/support/console-node.ts) on a real socket. An operator searches for a failed machine, opens it, repairs
 * it and sees its status change; pages a 5,000-event history; is refused a repair by the processor and reads the
 * typed problem; reads the flow graph; sees a change made elsewhere appear without a reload; filters the step
 * journal to failures; reads the audit log of those repairs; with the node's bearer tokens, is asked for one and
 * shown a read token's refusal; runs a bulk simple repair on the node's own bulk operations. Every request the
 * pages make goes to the node itself.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { pack } from "../../src/processors/payload.js";
import { testToken } from "../support/access-node.js";
import { type Chromium, launchChromium } from "../support/chromium.js";
import { type ConsoleNode, startConsoleNode } from "../support/console-node.js";
import { failPayment, seedOrders } from "../support/console-seed.js";
import { waitFor } from "../support/wait.js";

let browser: Chromium;
let node: ConsoleNode;
/** Every URL the pages asked for, to prove the console loads nothing from elsewhere. */
const requested = new Set<string>();

before(async () => {
  // The browser first: without chromium the file fails at once with the install hint, and no node is left
  // running for after() to miss (a node started beside a failed launch kept the test process alive).
  browser = await launchChromium();
  node = await startConsoleNode();
  browser.context.on("request", (request) => requested.add(request.url()));
  const { engine } = node.node;
  for (const id of ["pay-a", "pay-b", "pay-c"]) await engine.start("payments", id, pack({ amount: 100 }));
  await failPayment(node.node, "pay-b");
  await engine.start("payments", "long-1", pack({ amount: 1 }));
  await engine.call("payments", "long-1", pack({ op: "emit", n: 4999 }));
  await seedOrders(node.node, 12);
});

after(async () => {
  await browser?.close();
  await node?.close();
});

async function open(hash: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${node.consoleUrl}${hash}`);
  return page;
}

test("the overview counts machines by status and timers due in the next minute, and shows the outbox", async () => {
  const page = await open("#/");
  const payments = page.locator("[data-table=namespaces] tr[data-namespace=payments]");
  await payments.locator("[data-count=failed]").getByText("1", { exact: true }).waitFor();
  assert.equal(await payments.locator("[data-count=idle]").innerText(), "3");
  assert.equal(await payments.locator("[data-count=timers_due_next_minute]").innerText(), "0");
  await page.getByText("No sinks are configured.").waitFor();
  assert.equal(await page.locator("[data-not-available='GET /v1/outbox']").count(), 0);
  await page.close();
});

test("an operator searches for a failed machine, opens it, repairs it and sees its status change", async () => {
  const page = await open("#/");
  await page.locator("tr[data-namespace=payments] [data-count=failed] a").click();
  const row = page.locator("[data-table=machines] tr[data-machine=pay-b]");
  await row.waitFor();
  assert.equal(await page.locator("[data-table=machines] tbody tr").count(), 1);
  assert.match(await row.innerText(), /failed on purpose/);
  await row.getByRole("link", { name: "pay-b" }).click();
  await page.locator("section.machine[data-status=failed]").waitFor();
  assert.equal(await page.locator("[data-field=failure-reason]").innerText(), "failed on purpose");
  assert.equal(await page.locator("[data-field=previous-status]").innerText(), "idle");
  await page.locator("[data-action=repair]").click();
  const dialog = page.getByRole("dialog");
  await dialog.locator("textarea[name=args]").fill('{"op": "ok"}');
  await dialog.getByRole("button", { name: "Repair" }).click();
  await dialog.locator("[data-outcome=done]").getByText('"repaired"').waitFor();
  await dialog.getByRole("button", { name: "Close" }).click();
  await page.locator("section.machine[data-status=idle]").waitFor();
  assert.equal(
    (await node.node.engine.get("payments", "pay-b", { limit: 0, direction: "forward" })).status,
    "idle",
  );
  await page.close();
});

test("a repair the processor refuses shows the typed problem in the dialog and leaves the machine failed", async () => {
  await node.node.engine.start("payments", "pay-refused", pack({ amount: 5 }));
  await failPayment(node.node, "pay-refused");
  const page = await open("#/machines/payments/pay-refused");
  await page.locator("[data-action=repair]").click();
  const dialog = page.getByRole("dialog");
  await dialog.locator("textarea[name=args]").fill('{"op": "refuse"}');
  await dialog.getByRole("button", { name: "Repair" }).click();
  const problem = dialog.locator("[data-problem-type='urn:ratchet:problem:repair-failed']");
  await problem.waitFor();
  assert.match(await problem.innerText(), /Repair refused by the processor/);
  assert.match(await problem.innerText(), /"why": "no"/);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await page.locator("section.machine[data-status=failed]").waitFor();
  await page.close();
});

test("the audit page lists the repairs made above: who, which machine, and how each ended", async () => {
  const page = await open("#/audit?ns=payments");
  const table = page.locator("[data-table=audit]");
  const repaired = table.locator("tr[data-audit]", { hasText: "payments/pay-b" });
  await repaired.waitFor();
  assert.match(await repaired.innerText(), /anonymous\s+repair\s+payments\/pay-b\s+ok/);
  const refused = table.locator("tr[data-audit]", { hasText: "payments/pay-refused" });
  assert.match(await refused.innerText(), /repair\s+payments\/pay-refused\s+failed\s+RepairFailedError: /);
  await page.locator("input[name=machine]").fill("pay-refused");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL(/machine=pay-refused/);
  await table.locator("tr[data-audit]", { hasText: "payments/pay-b" }).waitFor({ state: "detached" });
  // The table empties while the filtered page loads: wait for its row before counting.
  await table.locator("tr[data-audit]", { hasText: "payments/pay-refused" }).waitFor();
  assert.equal(await table.locator("tr[data-audit]").count(), 1);
  await page.close();
});

test("a 5,000-event history is paged: newest, first, newer, go to an event, older", async () => {
  const page = await open("#/machines/payments/long-1");
  const info = page.locator("[data-part=events] .page-info");
  await page.locator("[data-table=events] tr[data-event='5000']").waitFor();
  assert.equal(await info.innerText(), "events 4,901–5,000 of 5,000");
  assert.equal(await page.locator("[data-table=events] tbody tr").count(), 100);
  await page.getByRole("button", { name: "First" }).click();
  await page.locator("[data-table=events] tr[data-event='1']").waitFor();
  assert.equal(await info.innerText(), "events 1–100 of 5,000");
  await page.getByRole("button", { name: "Newer" }).click();
  await page.locator("[data-table=events] tr[data-event='200']").waitFor();
  await page.locator("input[name=event-id]").fill("4321");
  await page.getByRole("button", { name: "Go", exact: true }).click();
  await page.locator("[data-table=events] tr[data-event='4321']").waitFor();
  assert.equal(await info.innerText(), "events 4,321–4,420 of 5,000");
  // Event 4321 is the call's 4,320th emitted value: its data is the index it was given.
  assert.equal(await page.locator("[data-table=events] tr[data-event='4321'] td").nth(3).innerText(), "4319");
  await page.getByRole("button", { name: "Older" }).click();
  await page.locator("[data-table=events] tr[data-event='4221']").waitFor();
  assert.equal(await info.innerText(), "events 4,221–4,320 of 5,000");
  await page.close();
});

test("the flow page draws the namespace's graph with counts on its edges and marks the undeclared step", async () => {
  const page = await open("#/flow/orders");
  const graph = page.locator("svg[data-part=flow-graph]");
  await graph.waitFor();
  for (const step of ["init", "risk_check", "review", "capture"])
    await graph.locator(`g[data-step=${step}]`).waitFor();
  const label = (await graph.locator("g[data-edge='init->risk_check']").textContent()) ?? "";
  assert.match(label, /×12/);
  assert.match(label, /p50 .* · p95 /);
  assert.equal(await graph.locator("g.node.undeclared").getAttribute("data-step"), "review");
  assert.equal(await graph.locator("g.edge.undeclared").count(), 2);
  const table = page.locator("[data-table=flow-edges]");
  const counted = await table.locator("tr[data-edge='risk_check->review'] td").nth(2).innerText();
  const flow = await node.node.engine.flow("orders");
  assert.equal(
    counted,
    String(flow.edges.find((edge) => edge.from === "risk_check" && edge.to === "review")?.count),
  );
  await page.close();
});

test("live refresh shows a change made elsewhere without reloading the page", async () => {
  const page = await open("#/machines/payments/pay-c");
  await page.locator("section.machine[data-status=idle]").waitFor();
  await page.evaluate(() => {
    (globalThis as unknown as { marker: number }).marker = 42;
  });
  await failPayment(node.node, "pay-c");
  await page.locator("section.machine[data-status=failed]").waitFor({ timeout: 10_000 });
  assert.equal(
    await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker),
    42,
    "not reloaded",
  );
  await page.close();
});

test("the step journal is a timeline that can be filtered to the failed steps", async () => {
  const page = await open("#/machines/payments/pay-c?tab=steps");
  const timeline = page.locator("[data-table=steps]");
  await timeline.locator("li[data-outcome=fatal_error]").waitFor();
  const all = await timeline.locator("li").count();
  assert.ok(all >= 2, `${all} steps`);
  await page.locator("input[name=failures-only]").check();
  await waitFor("only failures shown", async () => (await timeline.locator("li").count()) === 1);
  assert.match(await timeline.locator("li").innerText(), /call[\s\S]*fatal error[\s\S]*failed on purpose/);
  await page.close();
});

test("events are decoded to readable JSON: bytes as base64 with their length, nested maps as JSON", async () => {
  const { engine } = node.node;
  await engine.start("payments", "pay-bytes", pack({ amount: 1 }));
  await engine.notify(
    "payments",
    "pay-bytes",
    pack({ receipt: new TextEncoder().encode("bank receipt 4471") }),
  );
  await waitFor(
    "the notification delivered",
    async () => (await engine.get("payments", "pay-bytes")).history.length === 2,
  );
  const page = await open("#/machines/payments/pay-bytes");
  const data = page.locator("[data-table=events] tr[data-event='2'] td").nth(3);
  await data.waitFor();
  const text = await data.innerText();
  assert.match(text, /"notified": \{"receipt": bytes\[17\] YmFuayByZWNlaXB0IDQ0NzE=\}/);
  assert.match(await page.locator("[data-part=aux-state]").innerText(), /\{"amount": 1\}/);
  await page.close();
});

test("every action on the machine page, confirmed: call, notify, pause, resume, fire the timer now, remove", async () => {
  const { engine } = node.node;
  await engine.start("payments", "pay-actions", pack({ amount: 10 }));
  const page = await open("#/machines/payments/pay-actions");
  const dialog = page.getByRole("dialog");
  const act = async (action: string, fill?: (dialog: ReturnType<Page["getByRole"]>) => Promise<void>) => {
    await page.locator(`[data-action=${action}]`).click();
    await fill?.(dialog);
    await dialog.locator(".dialog-buttons button").first().click();
    await dialog.locator("[data-outcome=done]").waitFor();
    const answer = await dialog.locator("[data-outcome=done]").innerText();
    await dialog.getByRole("button", { name: "Close" }).click();
    return answer;
  };
  assert.match(
    await act("call", (d) => d.locator("textarea[name=args]").fill('{"op": "add", "n": 5}')),
    /15/,
  );
  assert.match(
    await act("notify", (d) => d.locator("textarea[name=args]").fill('{"hello": "world"}')),
    /Notification .+ stored/,
  );
  await act("call", (d) => d.locator("textarea[name=args]").fill('{"op": "timer", "ms": 600000}'));
  await page.locator("[data-field=timer]").waitFor();
  await act("pause", (d) => d.locator("input[name=reason]").fill("hold for the bank"));
  await page.locator("section.machine[data-status=paused]").waitFor();
  assert.match(await page.locator("[data-field=pause]").innerText(), /by operator: hold for the bank/);
  await act("resume");
  await page.locator("section.machine[data-status=waiting]").waitFor();
  await act("retry-now");
  await waitFor(
    "the timer fired",
    async () => (await engine.get("payments", "pay-actions")).status === "idle",
  );
  await page.locator("section.machine[data-status=idle]").waitFor();
  await page.locator("[data-action=remove]").click();
  const remove = dialog.getByRole("button", { name: "Remove" });
  assert.equal(await remove.isDisabled(), true, "remove waits for the id typed again");
  await dialog.locator("input[name=confirm-id]").fill("pay-actions");
  await remove.click();
  await dialog.getByRole("button", { name: "Close" }).click();
  await page.waitForURL(/#\/search\?ns=payments$/);
  await assert.rejects(engine.get("payments", "pay-actions"), { code: "machine_not_found" });
  await page.close();
});

test("every request the console made went to its own node", () => {
  assert.ok(requested.size > 10, `${requested.size} requests`);
  const elsewhere = [...requested].filter((url) => !url.startsWith(`${node.baseUrl}/`));
  assert.deepEqual(elsewhere, []);
});

test("with tokens required, the console asks for a token, then shows a read token's refusal", async () => {
  const guarded = await startConsoleNode({
    tokens: [
      testToken("reader", "reader-secret", { "*": "read" }),
      testToken("operator", "operator-secret", { "*": "operate" }),
    ],
  });
  const page = await browser.context.newPage();
  try {
    await guarded.node.engine.start("payments", "guarded-1", pack({ amount: 1 }));
    await failPayment(guarded.node, "guarded-1");
    await page.goto(`${guarded.consoleUrl}#/machines/payments/guarded-1`);
    await page.locator("[data-problem-type='urn:ratchet:problem:unauthenticated']").first().waitFor();
    await page.locator(".token-field input[name=token]").fill("reader-secret");
    await page.getByRole("button", { name: "Use token" }).click();
    await page.locator("section.machine[data-status=failed]").waitFor();
    await page.locator(".identity[data-actor=reader]").waitFor();
    await page.locator("[data-action=simple-repair]").click();
    await page.getByRole("dialog").getByRole("button", { name: "Simple repair" }).click();
    await page.getByRole("dialog").locator("[data-problem-type='urn:ratchet:problem:forbidden']").waitFor();
  } finally {
    await page.close();
    await guarded.close();
  }
});

test("a bulk simple repair of a search's failed machines: dry run, run, progress to done", async () => {
  const bulk = await startConsoleNode();
  const page = await browser.context.newPage();
  try {
    for (const id of ["bulk-1", "bulk-2", "bulk-3", "other-1"]) {
      await bulk.node.engine.start("payments", id, pack({ amount: 1 }));
      await failPayment(bulk.node, id);
    }
    await page.goto(`${bulk.consoleUrl}#/search?ns=payments&status=failed&prefix=bulk-`);
    await page.locator("[data-table=machines][data-results='3']").waitFor();
    await page.getByRole("button", { name: "Count (dry run)" }).click();
    await page.locator("[data-selected='3']").waitFor();
    await page.getByRole("button", { name: "Run on 3 machines" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Start" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Close" }).click();
    await page.locator("[data-bulk-status=done]").waitFor();
    assert.match(await page.locator("[data-bulk-status=done]").innerText(), /3 of 3 done \(3 ok, 0 failed\)/);
    const statuses = await Promise.all(
      ["bulk-1", "bulk-2", "bulk-3", "other-1"].map(
        async (id) => (await bulk.node.engine.get("payments", id, { limit: 0, direction: "forward" })).status,
      ),
    );
    assert.deepEqual(statuses, ["idle", "idle", "idle", "failed"]);
  } finally {
    await page.close();
    await bulk.close();
  }
});
