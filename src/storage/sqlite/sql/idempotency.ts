/** Idempotency key statements: store one with its step (a key already stored is kept), read, prune. */

export const INSERT_IDEMPOTENCY_KEY = `INSERT INTO idempotency_keys (namespace, idempotency_key, machine_id,
  operation, request_hash, outcome, response, created_at_us) VALUES (@namespace, @idempotency_key, @machine_id,
  @operation, @request_hash, @outcome, @response, @created_at_us)
  ON CONFLICT (namespace, idempotency_key) DO NOTHING`;

export const READ_IDEMPOTENCY_KEY =
  "SELECT * FROM idempotency_keys WHERE namespace = ? AND idempotency_key = ?";

export const PRUNE_IDEMPOTENCY_KEYS = `DELETE FROM idempotency_keys WHERE (namespace, idempotency_key) IN (
  SELECT namespace, idempotency_key FROM idempotency_keys WHERE created_at_us < ? ORDER BY created_at_us LIMIT ?)`;
