/**
 * The console's access to the JSON API of its own origin: the SDK's RatchetClient for the machine endpoints (its
 * typed errors are what the console shows when an action is refused), and the same request path (ClientHttp) for
 * the endpoints it has no method for yet: the outbox backlog, who the token is, bulk operations and the audit
 * log. An endpoint this node does not serve answers the API's `not-found` problem; those reads give null, and
 * the page says "not available". The token, when the node asks for one, is sent as `Authorization: Bearer`.
 */

import type { JsonValue } from "../src/mg/msgpack/natural-json.js";
import { RatchetClient } from "../src/sdk/client.js";
import { NoAnswerError, RatchetApiError } from "../src/sdk/client-errors.js";
import { ClientHttp } from "../src/sdk/client-http.js";

export { NoAnswerError, RatchetApiError };

/** The problem type of a route this node does not have (the JSON API's catch-all). */
export const ROUTE_NOT_FOUND = "urn:ratchet:problem:not-found";
export const UNAUTHENTICATED = "urn:ratchet:problem:unauthenticated";
export const FORBIDDEN = "urn:ratchet:problem:forbidden";

export type StatusName = "idle" | "waiting" | "retrying" | "paused" | "failed";
export const STATUS_NAMES: readonly StatusName[] = ["idle", "waiting", "retrying", "paused", "failed"];

export interface NamespaceOverview {
  readonly name: string;
  readonly machine_counts: Readonly<Record<StatusName, number>>;
  readonly counts_capped_at: number;
  readonly counted_at: string;
  /** Served once the node counts them; absent before. */
  readonly timers_due_next_minute?: number;
}

export interface SinkBacklog {
  readonly name: string;
  readonly pending: number;
  readonly oldest_lag_ms: number | null;
  readonly parked: number;
}

export interface Whoami {
  readonly actor: string;
  readonly roles: Readonly<Record<string, string>>;
  readonly auth: "tokens" | "none";
}

export type BulkAction = "simple_repair" | "repair" | "resume" | "retry_now" | "notify";

export interface BulkFilter {
  readonly status?: string;
  readonly id_prefix?: string;
  readonly timer_due_before?: string;
  readonly updated_since?: string;
}

export interface BulkRequest {
  readonly action: BulkAction;
  readonly filter: BulkFilter;
  readonly args?: JsonValue;
  readonly rate_per_second?: number;
}

export interface BulkView {
  readonly id: string;
  readonly namespace: string;
  readonly action: BulkAction;
  readonly filter: BulkFilter;
  readonly status: "running" | "done" | "cancelled";
  readonly selected: number;
  readonly done: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly created_at: string;
  readonly updated_at: string;
  readonly actor: string;
}

export interface BulkOutcome {
  readonly machine_id: string;
  readonly outcome: "ok" | "failed" | "skipped";
  readonly error_type?: string;
  readonly detail?: string;
}

export interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly namespace: string;
  readonly machine_id: string | null;
  readonly outcome: "ok" | "refused" | "failed";
  readonly detail: string | null;
}

export class ConsoleApi {
  readonly client: RatchetClient;
  readonly #http: ClientHttp;

  constructor(baseUrl: string, token: string | null) {
    const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
    // A console request waits less than a program's would: a person is looking at it.
    const options = { baseUrl, headers, timeoutMs: 30_000 };
    this.client = new RatchetClient(options);
    this.#http = new ClientHttp(options);
  }

  /** The namespaces with their counts, as sent (the SDK's view drops fields it does not know yet). */
  async namespaces(): Promise<NamespaceOverview[]> {
    const wire = await this.#http.json<{ namespaces: NamespaceOverview[] }>({
      method: "GET",
      path: "/v1/namespaces",
    });
    return wire.namespaces;
  }

  outbox(): Promise<SinkBacklog[] | null> {
    return unlessMissing(
      this.#http
        .json<{ sinks: SinkBacklog[] }>({ method: "GET", path: "/v1/outbox" })
        .then((wire) => wire.sinks),
    );
  }

  whoami(): Promise<Whoami | null> {
    return unlessMissing(this.#http.json<Whoami>({ method: "GET", path: "/v1/whoami" }));
  }

  bulkDryRun(namespace: string, request: BulkRequest): Promise<{ selected: number }> {
    const path = `/v1/namespaces/${encodeURIComponent(namespace)}/bulk`;
    return this.#http.json({ method: "POST", path, body: { ...request, dry_run: true } });
  }

  bulkStart(namespace: string, request: BulkRequest): Promise<BulkView> {
    const path = `/v1/namespaces/${encodeURIComponent(namespace)}/bulk`;
    return this.#http.json({ method: "POST", path, body: { ...request, dry_run: false } });
  }

  bulk(id: string): Promise<BulkView> {
    return this.#http.json({ method: "GET", path: `/v1/bulk/${encodeURIComponent(id)}` });
  }

  bulkCancel(id: string): Promise<BulkView> {
    return this.#http.json({ method: "POST", path: `/v1/bulk/${encodeURIComponent(id)}/cancel` });
  }

  bulkOutcomes(
    id: string,
    cursor?: string,
  ): Promise<{ outcomes: BulkOutcome[]; next_cursor: string | null }> {
    const path = `/v1/bulk/${encodeURIComponent(id)}/outcomes`;
    return this.#http.json({ method: "GET", path, query: { cursor, limit: 100 } });
  }

  bulkRuns(namespace: string): Promise<BulkView[] | null> {
    const path = `/v1/namespaces/${encodeURIComponent(namespace)}/bulk`;
    return unlessMissing(
      this.#http.json<{ bulk: BulkView[] }>({ method: "GET", path }).then((wire) => wire.bulk),
    );
  }

  audit(filter: {
    namespace?: string;
    machine_id?: string;
    cursor?: string;
  }): Promise<{ entries: AuditEntry[]; next_cursor: string | null } | null> {
    return unlessMissing(
      this.#http.json({ method: "GET", path: "/v1/audit", query: { ...filter, limit: 50 } }),
    );
  }
}

/** The answer, or null when this node has no such route. */
async function unlessMissing<T>(answer: Promise<T>): Promise<T | null> {
  try {
    return await answer;
  } catch (error) {
    if (isMissingRoute(error)) return null;
    throw error;
  }
}

export function isMissingRoute(error: unknown): boolean {
  return error instanceof RatchetApiError && error.type === ROUTE_NOT_FOUND;
}

export function isUnauthenticated(error: unknown): boolean {
  return error instanceof RatchetApiError && (error.type === UNAUTHENTICATED || error.status === 401);
}
