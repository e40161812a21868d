/**
 * Machines for the console to show, made through the engine as a client would: payments that are idle, waiting
 * on a timer, paused by an operator, failed by their processor, one with a long history; and orders that go
 * through their named steps (large ones through the undeclared review), so the flow has figures.
 */
import { pack } from "../../src/processors/payload.js";
import type { RatchetNode } from "../../src/runtime/create-node.js";
import { waitFor } from "./wait.js";

export async function failPayment(node: RatchetNode, id: string): Promise<void> {
  await node.engine.call("payments", id, pack({ op: "fail" })).catch(() => undefined);
  const snapshot = await node.engine.get("payments", id, { limit: 0, direction: "forward" });
  if (snapshot.status !== "failed") throw new Error(`${id} did not fail: ${snapshot.status}`);
}

export async function seedPayments(node: RatchetNode, count: number): Promise<void> {
  const { engine } = node;
  for (let index = 1; index <= count; index += 1) {
    const id = `pay-${String(index).padStart(4, "0")}`;
    await engine.start("payments", id, pack({ amount: index * 250 }));
    await engine.call("payments", id, pack({ op: "add", n: index }));
    if (index % 5 === 0) await failPayment(node, id);
    else if (index % 7 === 0) {
      await engine.call("payments", id, pack({ op: "timer", ms: 10 * 60_000 }));
      await engine.pause("payments", id, "the bank asked to hold this payment");
    } else if (index % 3 === 0)
      await engine.call("payments", id, pack({ op: "timer", ms: (index + 1) * 20_000 }));
  }
}

export async function seedOrders(node: RatchetNode, count: number): Promise<void> {
  for (let index = 1; index <= count; index += 1) {
    await node.engine.start(
      "orders",
      `order-${String(index).padStart(3, "0")}`,
      pack({ amount: (index * 379) % 2400 }),
    );
  }
  await waitFor(
    "every order through its steps",
    async () =>
      (await node.storage.searchMachines("orders", { limit: count, status: "waiting" })).length === 0,
    { timeoutMs: 20_000, intervalMs: 20 },
  );
}
