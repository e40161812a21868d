/**
 * inOneWrite against the real PostgreSQL: pipelined queries issued inside it leave the client's socket in one
 * write, issued outside it in one write each (counted on the socket itself); either way each query gets its own
 * answer, and a failing one fails alone. If the pg client stopped exposing its socket where inOneWrite looks for
 * it, the first case would fail here instead of the commit path losing its saving unseen.
 */
import assert from "node:assert/strict";
import { Socket } from "node:net";
import { after, before, test } from "node:test";
import type pg from "pg";
import { createPool, inOneWrite } from "../../src/storage/postgres/pool.js";

const ADMIN_URL = process.env.RATCHET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

let pool: pg.Pool;
let client: pg.PoolClient;
/** Writes the client's socket has made (each a write or writev syscall). */
let socketWrites = 0;

before(async () => {
  pool = createPool(
    {
      connectionString: ADMIN_URL,
      applicationName: "ratchet-one-write-test",
      statementTimeoutMs: 10_000,
      connectionTimeoutMs: 10_000,
      poolSize: 1,
    },
    () => undefined,
  );
  client = await pool.connect();
  const socket = (client as unknown as { connection: { stream: unknown } }).connection.stream;
  assert.ok(socket instanceof Socket, "the client talks over a socket");
  // Counted where the stream hands its buffered chunks to the socket: once per write it makes.
  for (const method of ["_write", "_writev"] as const) {
    const original = socket[method] as (...args: unknown[]) => void;
    socket[method] = function (this: Socket, ...args: unknown[]) {
      socketWrites += 1;
      return original.apply(this, args);
    } as never;
  }
});

after(async () => {
  client.release();
  await pool.end();
});

/** Issues `count` pipelined queries with bound values, the way a group commit does. */
function issueQueries(count: number): Promise<pg.QueryResult<{ n: number }>>[] {
  return Array.from({ length: count }, (_, index) =>
    client.query<{ n: number }>({ name: `one_write_${index}`, text: "SELECT $1::int AS n", values: [index] }),
  );
}

test("pipelined queries issued inside inOneWrite leave in one write, each with its own answer", async () => {
  const before = socketWrites;
  const results = await Promise.all(inOneWrite(client, () => issueQueries(5)));
  assert.equal(socketWrites - before, 1, "one write for the five queries");
  assert.deepEqual(
    results.map((result) => result.rows[0]?.n),
    [0, 1, 2, 3, 4],
  );
});

test("issued outside it, the same queries leave in one write each", async () => {
  const before = socketWrites;
  const results = await Promise.all(issueQueries(5));
  assert.equal(socketWrites - before, 5);
  assert.deepEqual(
    results.map((result) => result.rows[0]?.n),
    [0, 1, 2, 3, 4],
  );
});

test("a query that fails inside inOneWrite fails alone, and the connection goes on answering", async () => {
  const [good, bad] = await Promise.allSettled(
    inOneWrite(client, () => [
      client.query<{ n: number }>("SELECT 1 AS n"),
      client.query("SELECT no_such_column FROM pg_class LIMIT 1"),
    ]),
  );
  assert.equal(good.status, "fulfilled");
  assert.equal(bad.status, "rejected");
  const before = socketWrites;
  const next = await client.query<{ n: number }>("SELECT 2 AS n");
  assert.equal(next.rows[0]?.n, 2);
  assert.equal(socketWrites - before, 1, "the socket is not left corked");
});
