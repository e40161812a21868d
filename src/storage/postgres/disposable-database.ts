/**
 * Throwaway PostgreSQL databases for tests and benchmarks: a template migrated once, then one cheap copy per
 * use (CREATE DATABASE … TEMPLATE copies files, it does not replay the migrations), each dropped after use.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { migratePostgres } from "./migrate.js";
import { quoteSchemaName } from "./schema-name.js";

export interface DisposableDatabase {
  readonly name: string;
  readonly connectionString: string;
  /** Drops the database, ending any connection still open on it. Safe to call twice. */
  drop(): Promise<void>;
}

/** Database names are quoted like schema names: a valid identifier, escaped once. */
const quoteDatabaseName = quoteSchemaName;

/**
 * `pool.end()` resolves before its sockets close; a drop WITH (FORCE) right after may then terminate a closing
 * connection, whose error would crash Node without a listener. Nothing is lost: the connection was closing.
 */
export function ignoreClosingConnectionError(): void {}

function connectionStringFor(adminConnectionString: string, database: string): string {
  const url = new URL(adminConnectionString);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

async function asAdmin<T>(
  adminConnectionString: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    connectionString: adminConnectionString,
    application_name: "ratchet-disposable",
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh empty database named `<prefix>_<random>`; or a copy of `template` when given. */
export async function createDisposableDatabase(
  adminConnectionString: string,
  options: { prefix: string; template?: string },
): Promise<DisposableDatabase> {
  const name = `${options.prefix}_${randomBytes(6).toString("hex")}`;
  const template = options.template === undefined ? "" : ` TEMPLATE ${quoteDatabaseName(options.template)}`;
  await asAdmin(adminConnectionString, (client) =>
    client.query(`CREATE DATABASE ${quoteDatabaseName(name)}${template}`),
  );
  let dropped = false;
  return {
    name,
    connectionString: connectionStringFor(adminConnectionString, name),
    async drop() {
      if (dropped) return;
      dropped = true;
      // WITH (FORCE) terminates leftover connections first (PostgreSQL 13+), so a leaked pool cannot block it.
      await asAdmin(adminConnectionString, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${quoteDatabaseName(name)} WITH (FORCE)`),
      );
    },
  };
}

/** A database migrated to the latest schema, to copy with `createDisposableDatabase({ template })`. */
export async function createMigratedTemplate(
  adminConnectionString: string,
  options: { prefix: string; schema: string; nowUs: number },
): Promise<DisposableDatabase> {
  const database = await createDisposableDatabase(adminConnectionString, { prefix: options.prefix });
  // A template cannot be copied while anyone is connected to it: this pool is closed before returning.
  const pool = new pg.Pool({ connectionString: database.connectionString, max: 1 });
  pool.on("error", ignoreClosingConnectionError);
  try {
    await migratePostgres(pool, options.schema, options.nowUs);
  } catch (error) {
    await pool.end();
    await database.drop();
    throw error;
  }
  await pool.end();
  return database;
}
