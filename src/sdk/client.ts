/**
 * RatchetClient: the JSON API (`/v1/`) from TypeScript. One method per endpoint, answers in TypeScript's
 * spelling (client-views.ts), refusals as typed errors (client-errors.ts), and iterators that follow the cursors.
 *
 * Retrying safely: give start, call, repair and notify an idempotency key (newIdempotencyKey()) and send the same
 * request with the same key again while the error is transient (`error.transient`: not processed, or result
 * unknown, a timeout included), waiting `retryAfterMs` where the error has one. A retry of a step that committed
 * gets its first outcome without a second step; one that arrives while the first still runs is
 * IdempotencyKeyInFlightApiError, itself transient. Without a key only a not-processed failure may be sent again.
 */
import type { JsonValue } from "../mg/msgpack/natural-json.js";
import { ClientHttp, type ClientOptions, type ClientRequestOptions } from "./client-http.js";
import { itemsOfPages } from "./client-paging.js";
import {
  type FlowWindow,
  flowExchange,
  keyed,
  machinePath,
  machinesPath,
  type RangedStepOptions,
  rangedBody,
  type SearchFilters,
  type StepRequestOptions,
  searchQuery,
} from "./client-requests.js";
import {
  type Flow,
  flowOf,
  type JournalStep,
  type Machine,
  type MachinePage,
  type MachineSummary,
  machineOf,
  machinePageOf,
  type NamespaceCounts,
  namespacesOf,
  notificationsOf,
  type PendingNotification,
  type StepPage,
  stepPageOf,
} from "./client-views.js";
import type {
  WireFlow,
  WireMachine,
  WireMachinePage,
  WireNamespaceList,
  WireNotificationList,
  WireNotified,
  WireResponse,
  WireStepPage,
} from "./client-wire.js";
import type { TypedEvent } from "./machine-view.js";
import type { HistoryRangeOption } from "./step-output.js";

export class RatchetClient {
  readonly #http: ClientHttp;

  constructor(options: ClientOptions) {
    this.#http = new ClientHttp(options);
  }

  /** Creates the machine through its init step; answers it with its first page of events. */
  async start(
    namespace: string,
    id: string,
    args: JsonValue,
    options?: StepRequestOptions,
  ): Promise<Machine> {
    const wire = await this.#http.json<WireMachine>(
      keyed("POST", machinesPath(namespace), { id, args }, options),
    );
    return machineOf(wire);
  }

  /** The machine: status, timer, aux state, and a page of its events (`after`, `limit`, `direction`). */
  async get(
    namespace: string,
    id: string,
    page: HistoryRangeOption = {},
    options?: ClientRequestOptions,
  ): Promise<Machine> {
    const query = { after: page.after, limit: page.limit, direction: page.direction };
    return machineOf(
      await this.#http.json<WireMachine>({ method: "GET", path: machinePath(namespace, id), query, options }),
    );
  }

  /** Runs a call step; answers the processor's response once the step committed. */
  async call(
    namespace: string,
    id: string,
    args: JsonValue,
    options?: RangedStepOptions,
  ): Promise<JsonValue> {
    const wire = await this.#http.json<WireResponse>(
      keyed("POST", machinePath(namespace, id, "/call"), rangedBody(args, options), options),
    );
    return wire.response;
  }

  /** Repairs a failed machine through its processor; RepairFailedApiError when the processor refuses. */
  async repair(
    namespace: string,
    id: string,
    args: JsonValue,
    options?: RangedStepOptions,
  ): Promise<JsonValue> {
    const wire = await this.#http.json<WireResponse>(
      keyed("POST", machinePath(namespace, id, "/repair"), rangedBody(args, options), options),
    );
    return wire.response;
  }

  /** Returns a failed machine to its status before the failure, without the processor. */
  async simpleRepair(namespace: string, id: string, options?: ClientRequestOptions): Promise<void> {
    await this.#http.text({ method: "POST", path: machinePath(namespace, id, "/simple-repair"), options });
  }

  /** Stores a notification for the machine, delivered later as a notification step; answers its id. */
  async notify(
    namespace: string,
    id: string,
    args: JsonValue,
    options?: StepRequestOptions,
  ): Promise<{ readonly notificationId: string }> {
    const wire = await this.#http.json<WireNotified>(
      keyed("POST", machinePath(namespace, id, "/notify"), { args }, options),
    );
    return { notificationId: wire.notification_id };
  }

  /** Removes the machine with its history and pending notifications. */
  async remove(namespace: string, id: string, options?: ClientRequestOptions): Promise<void> {
    await this.#http.text({ method: "DELETE", path: machinePath(namespace, id), options });
  }

  /** The machine's notifications waiting for delivery, by due time. */
  async notifications(
    namespace: string,
    id: string,
    options?: ClientRequestOptions,
  ): Promise<PendingNotification[]> {
    const path = machinePath(namespace, id, "/notifications");
    return notificationsOf(await this.#http.json<WireNotificationList>({ method: "GET", path, options }));
  }

  /** A page of the namespace's machines (by id) that pass the filters; all of them when there are none. */
  async search(
    namespace: string,
    filters: SearchFilters = {},
    options?: ClientRequestOptions,
  ): Promise<MachinePage> {
    const exchange = {
      method: "GET",
      path: machinesPath(namespace),
      query: searchQuery(filters),
      options,
    } as const;
    return machinePageOf(await this.#http.json<WireMachinePage>(exchange));
  }

  /** The configured namespaces with their machines counted by status. */
  async namespaces(options?: ClientRequestOptions): Promise<NamespaceCounts[]> {
    return namespacesOf(
      await this.#http.json<WireNamespaceList>({ method: "GET", path: "/v1/namespaces", options }),
    );
  }

  /** A page of the machine's step journal (`after` a step number, `limit`, `direction`). */
  async steps(
    namespace: string,
    id: string,
    page: HistoryRangeOption = {},
    options?: ClientRequestOptions,
  ): Promise<StepPage> {
    const query = { after: page.after, limit: page.limit, direction: page.direction };
    const path = machinePath(namespace, id, "/steps");
    return stepPageOf(await this.#http.json<WireStepPage>({ method: "GET", path, query, options }));
  }

  /** The namespace's flow over the window: the steps that really happened, with their figures. */
  async flow(namespace: string, window: FlowWindow = {}, options?: ClientRequestOptions): Promise<Flow> {
    return flowOf(await this.#http.json<WireFlow>(flowExchange(namespace, window, "json", options)));
  }

  /** The same flow as Mermaid text (it begins with `flowchart`). */
  async flowMermaid(
    namespace: string,
    window: FlowWindow = {},
    options?: ClientRequestOptions,
  ): Promise<string> {
    return this.#http.text(flowExchange(namespace, window, "mermaid", options));
  }

  /** Pauses a working machine: its pending step waits for resume, and calls are refused meanwhile. */
  async pause(namespace: string, id: string, reason: string, options?: ClientRequestOptions): Promise<void> {
    const path = machinePath(namespace, id, "/pause");
    await this.#http.text({ method: "POST", path, body: { reason }, options });
  }

  /** Runs a paused machine's pending step again, with a fresh series of retries. */
  async resume(namespace: string, id: string, options?: ClientRequestOptions): Promise<void> {
    await this.#http.text({ method: "POST", path: machinePath(namespace, id, "/resume"), options });
  }

  /** Runs a retrying machine's next attempt now, without its backoff. */
  async retryNow(namespace: string, id: string, options?: ClientRequestOptions): Promise<void> {
    await this.#http.text({ method: "POST", path: machinePath(namespace, id, "/retry-now"), options });
  }

  /** Every machine a search finds, page after page (`filters.limit` machines per page). */
  searchAll(
    namespace: string,
    filters: Omit<SearchFilters, "cursor"> = {},
    options?: ClientRequestOptions,
  ): AsyncGenerator<MachineSummary, void, undefined> {
    const pages = {
      fetch: (cursor: string | undefined) =>
        this.search(namespace, { ...filters, ...(cursor === undefined ? {} : { cursor }) }, options),
      next: (page: MachinePage) => page.nextCursor,
    };
    return itemsOfPages(pages, (page) => page.machines);
  }

  /** The machine's events from `page.after` on, page after page (`page.limit` events per page). */
  historyAll(
    namespace: string,
    id: string,
    page: HistoryRangeOption = {},
    options?: ClientRequestOptions,
  ): AsyncGenerator<TypedEvent<JsonValue>, void, undefined> {
    const pages = {
      fetch: (after: number | undefined) => this.get(namespace, id, { ...page, after }, options),
      next: (machine: Machine) => machine.nextAfter,
    };
    return itemsOfPages(pages, (machine) => machine.events, page.after);
  }

  /** The machine's step journal from `page.after` on, page after page (`page.limit` steps per page). */
  stepsAll(
    namespace: string,
    id: string,
    page: HistoryRangeOption = {},
    options?: ClientRequestOptions,
  ): AsyncGenerator<JournalStep, void, undefined> {
    const pages = {
      fetch: (after: number | undefined) => this.steps(namespace, id, { ...page, after }, options),
      next: (steps: StepPage) => steps.nextAfter,
    };
    return itemsOfPages(pages, (steps) => steps.steps, page.after);
  }
}
