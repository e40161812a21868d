/**
 * Bytes a storage takes, to divide deltas by events or machines: PostgreSQL's pg_total_relation_size (heap,
 * indexes, TOAST) summed over the schema's tables; SQLite's page_count × page_size (a read-only connection sees
 * the pages still in the WAL too).
 */
import Database from "better-sqlite3";
import pg from "pg";

export async function postgresSchemaBytes(url: string, schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ bytes: string }>(
      `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`,
      [schema],
    );
    return Number(rows[0]?.bytes ?? 0);
  } finally {
    await client.end();
  }
}

export function sqliteBytes(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    const pages = db.pragma("page_count", { simple: true }) as number;
    const size = db.pragma("page_size", { simple: true }) as number;
    return pages * size;
  } finally {
    db.close();
  }
}
