/**
 * Storage bytes per event and per idle machine. Per event: the chain runs a few seconds on a fresh store and the
 * growth is divided by the steps committed (each step one 64-byte event, its step journal row and the machine
 * row's new versions: what a step leaves behind). Per idle machine: `machines` machines are started, each
 * appending one 64-byte event and staying idle, and the growth is divided by their number.
 */
import type { StorageChoice } from "../src/runtime/create-node.js";
import { createNode } from "../src/runtime/create-node.js";
import { postgresSchemaBytes, sqliteBytes } from "./storage-size.js";
import { BENCH_NAMESPACE, benchNamespace, runChain, startMachines } from "./workloads.js";

export interface StorageCost {
  readonly bytesPerEvent: number;
  readonly bytesPerIdleMachine: number;
}

const bytesOf = (storage: StorageChoice) =>
  storage.kind === "sqlite"
    ? Promise.resolve(sqliteBytes(storage.path))
    : postgresSchemaBytes(storage.url, storage.schema ?? "ratchet");

export async function runStorageCost(options: {
  readonly chainStorage: StorageChoice;
  readonly idleStorage: StorageChoice;
  readonly seconds: number;
  readonly idleMachines: number;
}): Promise<StorageCost> {
  const chainNode = await createNode({ storage: options.chainStorage, namespaces: () => [benchNamespace()] });
  const chainBefore = await bytesOf(options.chainStorage);
  try {
    await runChain(chainNode.engine, { machines: 64, seconds: options.seconds, prefix: "b" });
  } finally {
    await chainNode.close({ drainTimeoutMs: 10_000 });
  }
  // Counted from the machines themselves: steps of the warm-up and the drain left bytes too.
  const events = await eventCount(options.chainStorage);
  const bytesPerEvent = ((await bytesOf(options.chainStorage)) - chainBefore) / events;
  const idleNode = await createNode({ storage: options.idleStorage, namespaces: () => [benchNamespace()] });
  const idleBefore = await bytesOf(options.idleStorage);
  try {
    const ids = Array.from({ length: options.idleMachines }, (_, index) => `idle-${index}`);
    await startMachines(idleNode.engine, ids, new Uint8Array(0));
  } finally {
    await idleNode.close();
  }
  const bytesPerIdleMachine = ((await bytesOf(options.idleStorage)) - idleBefore) / options.idleMachines;
  return { bytesPerEvent, bytesPerIdleMachine };
}

/** Events in the store, summed from the machines' last event ids. */
async function eventCount(storage: StorageChoice): Promise<number> {
  const node = await createNode({ storage, namespaces: () => [benchNamespace()], schedulerEnabled: false });
  try {
    let total = 0;
    for (let index = 0; index < 64; index += 1) {
      const { record } = await node.engine.get(BENCH_NAMESPACE, `b-chain-${index}`, {
        limit: 0,
        direction: "forward",
      });
      total += record.lastEventId;
    }
    return total;
  } finally {
    await node.close();
  }
}
