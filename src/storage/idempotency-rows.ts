/**
 * The row of a stored idempotency key, in column names, and its one mapping to and from the core record. The
 * outcome is a small JSON document; a response's bytes have a column of their own.
 */
import assert from "node:assert/strict";
import type { IdempotencyOutcome, IdempotencyRecord, IdempotentOperation } from "../core/idempotency.js";

export interface IdempotencyRow {
  namespace: string;
  idempotency_key: string;
  machine_id: string;
  operation: string;
  request_hash: string;
  outcome: string;
  response: Uint8Array | null;
  created_at_us: number;
}

const OPERATIONS: ReadonlySet<string> = new Set<IdempotentOperation>(["start", "call", "repair", "notify"]);

type OutcomeDocument =
  | { readonly kind: "started" }
  | { readonly kind: "response" }
  | { readonly kind: "failed"; readonly reason: string }
  | { readonly kind: "notified"; readonly notificationId: string };

export function idempotencyToRow(record: IdempotencyRecord): IdempotencyRow {
  const { outcome } = record;
  const document: OutcomeDocument = outcome.kind === "response" ? { kind: "response" } : outcome;
  return {
    namespace: record.namespace,
    idempotency_key: record.key,
    machine_id: record.machineId,
    operation: record.operation,
    request_hash: record.requestHash,
    outcome: JSON.stringify(document),
    response: outcome.kind === "response" ? outcome.response : null,
    created_at_us: record.createdAtUs,
  };
}

export function idempotencyFromRow(row: IdempotencyRow): IdempotencyRecord {
  assert.ok(OPERATIONS.has(row.operation), `stored idempotency operation ${row.operation} is known`);
  const document = JSON.parse(row.outcome) as OutcomeDocument;
  let outcome: IdempotencyOutcome;
  if (document.kind === "response") {
    assert.ok(row.response !== null, "a stored response outcome has its bytes");
    outcome = { kind: "response", response: row.response };
  } else outcome = document;
  return {
    namespace: row.namespace,
    key: row.idempotency_key,
    machineId: row.machine_id,
    operation: row.operation as IdempotentOperation,
    requestHash: row.request_hash,
    outcome,
    createdAtUs: row.created_at_us,
  };
}
