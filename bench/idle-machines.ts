/**
 * Many idle machines, fast: one machine is started through the engine as the template (so its row is exactly
 * what Ratchet writes), then copied N times under ids `<prefix>-1…N` straight in SQL. PostgreSQL: one
 * INSERT … SELECT over generate_series; SQLite: one prepared INSERT … SELECT run N times in one transaction.
 * The column list is read from the database, so a column added by a later migration is copied too.
 */
import Database from "better-sqlite3";
import pg from "pg";

export interface IdleFill {
  readonly namespace: string;
  readonly templateId: string;
  readonly prefix: string;
  readonly count: number;
}

/** The SELECT list copying a template row with `replaced` (machine_id by default) given by `expression`. */
export function copyColumns(columns: readonly string[], expression: string, replaced = "machine_id"): string {
  return columns.map((column) => (column === replaced ? expression : `"${column}"`)).join(", ");
}

/** The quoted column list of a table, for INSERT INTO t (…) SELECT copyColumns(…). */
export function columnList(columns: readonly string[]): string {
  return columns.map((column) => `"${column}"`).join(", ");
}

/** The columns of `schema.table` in PostgreSQL, in their order. */
export async function postgresColumns(client: pg.Client, schema: string, table: string): Promise<string[]> {
  const { rows } = await client.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
    [schema, table],
  );
  return rows.map((row) => row.column_name);
}

export function sqliteColumns(db: Database.Database, table: string): string[] {
  return (db.pragma(`table_info(${table})`) as { name: string }[]).map((column) => column.name);
}

export async function fillIdlePostgres(url: string, schema: string, fill: IdleFill): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await postgresColumns(client, schema, "machines");
    const select = copyColumns(columns, "$3 || '-' || g");
    const inserted = await client.query(
      `INSERT INTO "${schema}".machines (${columnList(columns)})
       SELECT ${select} FROM "${schema}".machines, generate_series(1, $4::int) g
       WHERE namespace = $1 AND machine_id = $2`,
      [fill.namespace, fill.templateId, fill.prefix, fill.count],
    );
    if (inserted.rowCount !== fill.count)
      throw new Error(`copied ${inserted.rowCount} idle machines, not ${fill.count}`);
    await client.query(`ANALYZE "${schema}".machines`);
  } finally {
    await client.end();
  }
}

export function fillIdleSqlite(path: string, fill: IdleFill): void {
  const db = new Database(path);
  try {
    const columns = sqliteColumns(db, "machines");
    const insert = db.prepare(
      `INSERT INTO machines (${columnList(columns)})
       SELECT ${copyColumns(columns, "?")} FROM machines WHERE namespace = ? AND machine_id = ?`,
    );
    db.transaction(() => {
      for (let index = 1; index <= fill.count; index += 1) {
        insert.run(`${fill.prefix}-${index}`, fill.namespace, fill.templateId);
      }
    })();
    db.exec("ANALYZE");
  } finally {
    db.close();
  }
}
