/**
 * What RatchetClient's requests are made of: the options of a step's request (its idempotency key, its history
 * range), search filters, a flow's window, and the paths, bodies and queries they become.
 */
import type { MachineStatus } from "../core/machine.js";
import type { JsonValue } from "../mg/msgpack/natural-json.js";
import type { ClientRequestOptions, Exchange } from "./client-http.js";
import type { HistoryRangeOption } from "./step-output.js";

export interface StepRequestOptions extends ClientRequestOptions {
  /**
   * Sent as the Idempotency-Key header: the same key with the same request again gets the first outcome without a
   * second step. Printable ASCII, at most 255 characters; newIdempotencyKey() makes one.
   */
  readonly idempotencyKey?: string;
}

export interface RangedStepOptions extends StepRequestOptions {
  /** The part of the history the processor is given; the whole history when absent. */
  readonly range?: HistoryRangeOption;
}

/** Which machines a search finds; every filter given must hold. */
export interface SearchFilters {
  /** A status, or `working`: idle, waiting or retrying. */
  readonly status?: MachineStatus | "working";
  /** Ids that begin with this text. */
  readonly prefix?: string;
  /** Machines whose timer is due before this instant. */
  readonly timerDueBefore?: string | Date;
  /** Machines changed at or after this instant. */
  readonly updatedSince?: string | Date;
  /** Machines in one page (50 by default, at most 1,000). */
  readonly limit?: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/** A window of time; the API's defaults are the hour up to now. */
export interface FlowWindow {
  readonly since?: string | Date;
  readonly until?: string | Date;
}

/**
 * A fresh idempotency key (a random UUID): make it once per request, and send it again with each retry. Web
 * Crypto's, which Node 20 and browsers share, so the client runs in the console's page as well.
 */
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

export function machinesPath(namespace: string): string {
  return `/v1/namespaces/${encodeURIComponent(namespace)}/machines`;
}

export function machinePath(namespace: string, id: string, action = ""): string {
  return `${machinesPath(namespace)}/${encodeURIComponent(id)}${action}`;
}

export function keyed(
  method: "POST",
  path: string,
  body: unknown,
  options: StepRequestOptions | undefined,
): Exchange {
  return { method, path, body, idempotencyKey: options?.idempotencyKey, options };
}

export function rangedBody(args: JsonValue, options: RangedStepOptions | undefined) {
  return options?.range === undefined ? { args } : { args, range: options.range };
}

export function flowExchange(
  namespace: string,
  window: FlowWindow,
  format: "json" | "mermaid",
  options: ClientRequestOptions | undefined,
): Exchange {
  return {
    method: "GET",
    path: `/v1/namespaces/${encodeURIComponent(namespace)}/flow`,
    query: { since: instantText(window.since), until: instantText(window.until), format },
    accept: format === "json" ? undefined : "text/plain, application/problem+json",
    options,
  };
}

export function searchQuery(filters: SearchFilters) {
  return {
    status: filters.status,
    prefix: filters.prefix,
    timer_due_before: instantText(filters.timerDueBefore),
    updated_since: instantText(filters.updatedSince),
    limit: filters.limit,
    cursor: filters.cursor,
  };
}

function instantText(instant: string | Date | undefined): string | undefined {
  return instant instanceof Date ? instant.toISOString() : instant;
}
