/**
 * A request is judged only under a lease that still holds (found by the simulation, seed 10646). Two engines
 * share one SQLite file. Node A starts machine "m"; its init step fails transiently but stalls before it ends,
 * while A's renewals fail, so A's lease runs out; a call for "m" waits in A's queue meanwhile. Node B starts "m"
 * and creates it. When A's init ends, the waiting call must see B's machine: A must take the lease again and read
 * the record, rather than answer MachineNotFound from the record it read under the lease it lost.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ProcessorUnavailableError, StorageUnavailableError } from "../../src/core/errors.js";
import { FaultPoints } from "../../src/engine/fault-points.js";
import type { NamespaceOptions } from "../../src/engine/namespace.js";
import { localProcessor } from "../../src/processors/local-processor.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { createTestEngine } from "../support/engine-fixture.js";
import { json, parse } from "../support/json-payload.js";
import { withOverrides } from "../support/storage-overrides.js";
import { waitFor } from "../support/wait.js";

const LEASE_MS = 300;

function namespaceOf(node: string, options: { initFails: boolean }): NamespaceOptions {
  return {
    name: "stale",
    processor: localProcessor({
      init: () => {
        if (options.initFails) throw new ProcessorUnavailableError(`${node} cannot start machines now`);
        return { auxState: { data: json(node) } };
      },
      call: ({ machine }) => ({ response: machine.auxState.data }),
    }),
  };
}

test("a request waiting behind a step that outlived its lease sees the machine another node created", async () => {
  const folder = mkdtempSync(join(tmpdir(), "ratchet-stale-"));
  const path = join(folder, "stale.db");
  const nowUs = () => Date.now() * 1000;
  const storageA = new SqliteStorage({ path, nowUs });
  const storageB = new SqliteStorage({ path, nowUs });
  const faults = new FaultPoints();
  const nodeA = createTestEngine({
    namespaces: [namespaceOf("A", { initFails: true })],
    storage: withOverrides(storageA, {
      renewLeases: async () => {
        throw new StorageUnavailableError("renewals fail on node A");
      },
    }),
    leaseDurationMs: LEASE_MS,
    faults,
    owner: "node-a",
    onError: () => {},
  });
  const nodeB = createTestEngine({
    namespaces: [namespaceOf("B", { initFails: false })],
    storage: storageB,
    leaseDurationMs: LEASE_MS,
    owner: "node-b",
  });
  let resume: () => void = () => {};
  const stalled = new Promise<void>((resolve) => {
    resume = resolve;
  });
  let initStalled = false;
  faults.arm("afterProcessorBeforeCommit", async ({ kind }) => {
    if (kind !== "init") return;
    initStalled = true;
    await stalled;
  });
  try {
    const startOnA = nodeA.engine.start("stale", "m", json({}));
    await waitFor("A's init step to stall", () => initStalled);
    const deadlineUs = nowUs() + 10 * LEASE_MS * 1000;
    const callOnA = nodeA.engine.call("stale", "m", json({}), { deadlineUs });
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 50));
    await nodeB.engine.start("stale", "m", json({}));
    resume();
    await assert.rejects(startOnA, ProcessorUnavailableError);
    assert.equal(parse(await callOnA), "B", "the call ran on the machine B created");
  } finally {
    resume();
    await nodeA.close();
    await nodeB.close();
    await storageA.close();
    await storageB.close();
    rmSync(folder, { recursive: true, force: true });
  }
});
