/**
 * The storage conformance suite: what every storage adapter must do, checked the same way for all, organised by
 * port: the machine store (leases, the fenced commit, reads, claims), the outbox store (the relays' fenced reads
 * and deletes, parking, replay, pending counts), operator queries (due work and the schema version among them) and
 * the audit log. An adapter's test file calls
 * `runStorageConformance` with a factory that returns a fresh, empty, migrated storage.
 */
import { describe, test } from "node:test";
import type { Storage } from "../storage.js";
import { registerAuditLogCases } from "./audit-log.js";
import { registerBulkStoreCases } from "./bulk-store.js";
import { registerClaimCases } from "./claims.js";
import { registerDueWorkCases } from "./due-work.js";
import { registerIdempotencyCases } from "./idempotency.js";
import { registerMachineSearchCases } from "./machine-search.js";
import { registerMachineStoreCases } from "./machine-store.js";
import { registerOperatorQueryCases } from "./operator-queries.js";
import { registerOutboxStoreCases } from "./outbox-store.js";

export interface StorageFixture {
  readonly storage: Storage;
  /** Closes the storage and deletes what the fixture created. */
  dispose(): Promise<void>;
}

/** Registers one case: a fresh storage for its body, disposed after. */
export type WithStorage = (name: string, body: (storage: Storage) => Promise<void>) => void;

export function runStorageConformance(
  adapterName: string,
  createFixture: () => Promise<StorageFixture>,
): void {
  describe(`storage conformance: ${adapterName}`, () => {
    const withStorage: WithStorage = (name, body) =>
      test(name, async () => {
        const fixture = await createFixture();
        try {
          await body(fixture.storage);
        } finally {
          await fixture.dispose();
        }
      });
    registerMachineStoreCases(withStorage);
    registerClaimCases(withStorage);
    registerOutboxStoreCases(withStorage);
    registerOperatorQueryCases(withStorage);
    registerMachineSearchCases(withStorage);
    registerIdempotencyCases(withStorage);
    registerDueWorkCases(withStorage);
    registerAuditLogCases(withStorage);
    registerBulkStoreCases(withStorage);
  });
}
