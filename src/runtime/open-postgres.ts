/** Opens the PostgreSQL adapter for the composition root, migrating the schema unless told not to. */
import { PostgresStorage } from "../storage/postgres/postgres-storage.js";
import type { Storage } from "../storage/storage.js";
import type { SystemClock } from "./system-clock.js";

export interface PostgresChoice {
  readonly url: string;
  readonly schema?: string;
  readonly poolSize?: number;
  /** Apply pending migrations at start (the default); `ratchet migrate` does it separately when false. */
  readonly migrate?: boolean;
  /** The node's lease duration: a transaction idle longer than a lease is ended by the server. */
  readonly leaseDurationMs?: number;
}

/** A statement running longer is cancelled by the server (the database is overloaded or blocked). */
const STATEMENT_TIMEOUT_MS = 30_000;

export async function openPostgresStorage(choice: PostgresChoice, clock: SystemClock): Promise<Storage> {
  return PostgresStorage.open({
    connectionString: choice.url,
    ...(choice.schema === undefined ? {} : { schema: choice.schema }),
    // Steps of many machines share a commit, so a few connections carry a node; claims and reads take the rest.
    poolSize: choice.poolSize ?? 10,
    statementTimeoutMs: STATEMENT_TIMEOUT_MS,
    ...(choice.leaseDurationMs === undefined
      ? {}
      : { idleInTransactionTimeoutMs: Math.min(STATEMENT_TIMEOUT_MS, choice.leaseDurationMs) }),
    applicationName: "ratchet",
    nowUs: () => clock.nowUs(),
    migrate: choice.migrate ?? true,
  });
}
