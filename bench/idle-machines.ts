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

/** The SELECT list copying the template row with machine_id replaced by `idExpression`. */
export function copyColumns(columns: readonly string[], idExpression: string): string {
  return columns.map((column) => (column === "machine_id" ? idExpression : `"${column}"`)).join(", ");
}

export async function fillIdlePostgres(url: string, schema: string, fill: IdleFill): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'machines' ORDER BY ordinal_position",
      [schema],
    );
    const columns = rows.map((row) => row.column_name);
    const select = copyColumns(columns, "$3 || '-' || g");
    const inserted = await client.query(
      `INSERT INTO "${schema}".machines (${columns.map((column) => `"${column}"`).join(", ")})
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
    const columns = (db.pragma("table_info(machines)") as { name: string }[]).map((column) => column.name);
    const insert = db.prepare(
      `INSERT INTO machines (${columns.map((column) => `"${column}"`).join(", ")})
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
