/**
 * The connection pool, with every library setting passed explicitly, and the one way work borrows a
 * connection: errors leave it translated, and a connection that broke or may be mid-transaction is destroyed.
 */
import assert from "node:assert/strict";
import pg from "pg";
import { RatchetError, StorageResultUnknownError } from "../../core/errors.js";
import { isSocketError, translatePostgresError } from "./postgres-errors.js";

export interface ConnectionOptions {
  readonly connectionString: string;
  readonly applicationName: string;
  /** The server cancels a statement running longer than this (SQLSTATE 57014). */
  readonly statementTimeoutMs: number;
  /** The server ends a session idle inside a transaction longer than this; statementTimeoutMs when absent. */
  readonly idleInTransactionTimeoutMs?: number;
  /** Opening a connection, or waiting for a free one in the pool, fails after this. */
  readonly connectionTimeoutMs: number;
}

/** An idle pooled connection is closed after this; the pool reopens one when load returns. */
const POOL_IDLE_TIMEOUT_MS = 30_000;

const INT8_OID = 20;

/** bigint columns (µs instants, epochs, event ids) as numbers: exact up to 2^53, which µs reach in year 2255. */
function parseInt8(text: string): number {
  const value = Number(text);
  assert.ok(Number.isSafeInteger(value), `bigint ${text} does not fit a JavaScript number exactly`);
  return value;
}

// The types object is per pool, not pg's process-wide registry, so other users of pg in the process keep theirs.
const RATCHET_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID && format !== "binary"
      ? parseInt8
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Settings shared by pooled connections and the wake listener's dedicated one. */
export function clientConfigOf(options: ConnectionOptions): pg.ClientConfig {
  return {
    connectionString: options.connectionString,
    application_name: options.applicationName,
    statement_timeout: options.statementTimeoutMs,
    // A transaction left idle is a stalled process (a node frozen mid-commit): the server ends it rather than let
    // it hold the lease rows it locked, which would keep every other node from taking those machines over.
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? options.statementTimeoutMs,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    keepAlive: true,
    types: RATCHET_TYPES,
  };
}

export function createPool(
  options: ConnectionOptions & { readonly poolSize: number; readonly synchronousCommit?: boolean },
  onIdleClientError: (error: Error) => void,
): pg.Pool {
  assert.ok(Number.isSafeInteger(options.poolSize) && options.poolSize >= 1, "poolSize must be ≥ 1");
  const pool = new pg.Pool({
    ...clientConfigOf(options),
    // Set either way, so a step's durability never rests on the server's or the role's default.
    options: `-c synchronous_commit=${options.synchronousCommit === false ? "off" : "on"}`,
    max: options.poolSize,
    min: 0,
    idleTimeoutMillis: POOL_IDLE_TIMEOUT_MS,
    allowExitOnIdle: false,
    // Queries issued together on one connection go out together: a group commit costs 3 round trips, not 6+.
    pipeline: true,
  });
  // An idle connection that breaks emits here; without a listener Node would crash the process.
  pool.on("error", onIdleClientError);
  return pool;
}

/**
 * Sends the queries `issue` starts (pipelined, on one connection) to the server in one write. The client writes
 * each query as it is issued, in its own writev; on loopback each is a syscall that also runs the server's side
 * of TCP and wakes its backend, and a group commit's 8 statements took 14 % of a node's CPU in writev. Corked,
 * they go out in one write per round trip and the backend reads them in one. Without the client's socket (an
 * unknown client), the queries go out as they would anyway.
 */
export function inOneWrite<T>(client: pg.PoolClient, issue: () => T): T {
  const socket = socketOf(client);
  socket?.cork();
  try {
    return issue();
  } finally {
    socket?.uncork();
  }
}

/** The client's socket; `connection.stream` is the one pg itself corks around each query. */
function socketOf(client: pg.PoolClient): { cork(): void; uncork(): void } | undefined {
  const stream = (client as { connection?: { stream?: { cork?: unknown; uncork?: unknown } } }).connection
    ?.stream;
  if (typeof stream?.cork !== "function" || typeof stream.uncork !== "function") return undefined;
  return stream as { cork(): void; uncork(): void };
}

/**
 * Runs `work` on one pooled connection. On failure the session is rolled back (a harmless warning outside a
 * transaction), so a connection never returns to the pool inside a transaction. `write` marks work that is one
 * autocommitted write: a connection lost while it ran leaves its outcome unknown (StorageResultUnknownError).
 */
export async function withClient<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  options: { write?: boolean } = {},
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    // Connecting fails without a SQLSTATE when the server is unreachable or the pool stays exhausted: both
    // transient. A SQLSTATE (bad password, missing database) is classified by code.
    throw translatePostgresError(error, !(error instanceof pg.DatabaseError));
  }
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  // node-postgres emits the loss of a checked-out connection here, before it fails the pending queries.
  client.on("error", onError);
  try {
    return await work(client);
  } catch (error) {
    if (broken === undefined && isSocketError(error)) broken = error as Error;
    const connectionLost = broken !== undefined;
    if (!connectionLost) broken = await rollbackAfterFailure(client);
    // A server's answer (a DatabaseError) says the write failed; no answer at all leaves it unknown.
    const answered = error instanceof pg.DatabaseError || error instanceof RatchetError;
    if (connectionLost && options.write === true && !answered) {
      throw new StorageResultUnknownError("postgres: the connection broke with a write in flight", {
        cause: error,
      });
    }
    throw translatePostgresError(error, connectionLost);
  } finally {
    client.off("error", onError);
    client.release(broken);
  }
}

async function rollbackAfterFailure(client: pg.PoolClient): Promise<Error | undefined> {
  try {
    await client.query("ROLLBACK");
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
