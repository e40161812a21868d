/**
 * Idempotency key statements: store a batch's keys under each step's fence (a key already stored is kept), read
 * one, prune the oldest.
 */
import type pg from "pg";
import type { IdempotencyRow } from "../../idempotency-rows.js";
import type { Lease } from "../../machine-store.js";
import type { QuotedSchemaName } from "../schema-name.js";

export const IDEMPOTENCY_COLUMNS = `namespace, idempotency_key, machine_id, operation, request_hash, outcome,
  response, created_at_us`;

export function insertIdempotencyKeys(
  schema: QuotedSchemaName,
  keys: readonly { readonly lease: Lease; readonly row: IdempotencyRow }[],
): pg.QueryConfig {
  const column = <K extends keyof IdempotencyRow>(key: K) => keys.map(({ row }) => row[key]);
  return {
    name: "ratchet_insert_idempotency_keys",
    text: `INSERT INTO ${schema}.idempotency_keys (${IDEMPOTENCY_COLUMNS})
      SELECT s.namespace, s.idempotency_key, s.machine_id, s.operation, s.request_hash, s.outcome, s.response,
        s.created_at_us
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[],
          $8::bigint[], $9::bigint[], $10::text[])
        AS s(namespace, idempotency_key, machine_id, operation, request_hash, outcome, response, created_at_us,
          epoch, owner)
      WHERE EXISTS (SELECT 1 FROM ${schema}.leases l WHERE l.namespace = s.namespace
        AND l.machine_id = s.machine_id AND l.epoch = s.epoch AND l.owner = s.owner)
      ON CONFLICT (namespace, idempotency_key) DO NOTHING`,
    values: [
      column("namespace"),
      column("idempotency_key"),
      column("machine_id"),
      column("operation"),
      column("request_hash"),
      column("outcome"),
      column("response"),
      column("created_at_us"),
      keys.map(({ lease }) => lease.epoch),
      keys.map(({ lease }) => lease.owner),
    ],
  };
}

export function readIdempotencyKey(schema: QuotedSchemaName, namespace: string, key: string): pg.QueryConfig {
  return {
    name: "ratchet_read_idempotency_key",
    text: `SELECT ${IDEMPOTENCY_COLUMNS} FROM ${schema}.idempotency_keys
      WHERE namespace = $1::text AND idempotency_key = $2::text`,
    values: [namespace, key],
  };
}

export function pruneIdempotencyKeys(
  schema: QuotedSchemaName,
  options: { createdBeforeUs: number; limit: number },
): pg.QueryConfig {
  return {
    name: "ratchet_prune_idempotency_keys",
    text: `DELETE FROM ${schema}.idempotency_keys k USING (
        SELECT namespace, idempotency_key FROM ${schema}.idempotency_keys
        WHERE created_at_us < $1::bigint ORDER BY created_at_us LIMIT $2::bigint
      ) old
      WHERE k.namespace = old.namespace AND k.idempotency_key = old.idempotency_key`,
    values: [options.createdBeforeUs, options.limit],
  };
}
