/**
 * `npm run screenshots`: the console's pictures in docs/images/ (shown in the README), taken by Debian's
 * chromium from a node like `ratchet dev`'s: the JSON API and the console on 127.0.0.1, machines made through the
 * engine (payments idle, waiting, paused and failed; orders through their named steps). One PNG per page:
 * overview, search, machine, flow.
 */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { pack } from "../src/processors/payload.js";
import type { RatchetNode } from "../src/runtime/create-node.js";
import { launchChromium } from "../tests/support/chromium.js";
import { startConsoleNode } from "../tests/support/console-node.js";
import { seedOrders, seedPayments } from "../tests/support/console-seed.js";
import { waitFor } from "../tests/support/wait.js";

const IMAGES = fileURLToPath(new URL("../../docs/images/", import.meta.url));

async function shoot(page: Page, url: string, ready: string, name: string): Promise<void> {
  await page.goto(url);
  await page.locator(ready).first().waitFor();
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: `${IMAGES}${name}.png`, fullPage: true });
  console.log(`docs/images/${name}.png`);
}

/** A failed payment whose history shows what the console decodes: maps, bytes (base64 and length), notifications. */
async function decorateFailedPayment(node: RatchetNode, id: string): Promise<void> {
  const { engine } = node;
  await engine.simpleRepair("payments", id);
  await engine.notify(
    "payments",
    id,
    pack({ receipt: new TextEncoder().encode("bank receipt 4471"), code: 200 }),
  );
  await engine.notify("payments", id, pack({ chargeback: { reason: "card reported stolen", amount: 5020 } }));
  await waitFor(
    "the notifications delivered",
    async () => (await node.storage.listNotifications("payments", id)).length === 0,
  );
  await engine.call("payments", id, pack({ op: "fail" })).catch(() => undefined);
}

async function main(): Promise<void> {
  mkdirSync(IMAGES, { recursive: true });
  const console_ = await startConsoleNode();
  const browser = await launchChromium({ width: 1280, height: 800 });
  try {
    await seedPayments(console_.node, 24);
    await seedOrders(console_.node, 60);
    await console_.node.engine
      .call("payments", "pay-0010", pack({ op: "emit", n: 240 }))
      .catch(() => undefined);
    await decorateFailedPayment(console_.node, "pay-0020");
    const page = await browser.context.newPage();
    const base = console_.consoleUrl;
    await shoot(page, `${base}#/`, "[data-table=namespaces]", "console-overview");
    await shoot(page, `${base}#/search?ns=payments&status=failed`, "[data-table=machines]", "console-search");
    await shoot(page, `${base}#/machines/payments/pay-0020`, "[data-table=events]", "console-machine");
    await shoot(page, `${base}#/flow/orders`, "[data-part=flow-graph]", "console-flow");
  } finally {
    await browser.close();
    await console_.close();
  }
}

await main();
