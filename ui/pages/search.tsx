/**
 * Search: a namespace's machines by status, id prefix, timer due before and updated since, a page at a time (the
 * API's cursor; the way back is remembered while the filters stay the same). Each machine links to its page. The
 * filters live in the location hash, so a search can be linked to; the bulk panel acts on what it selects.
 */
import { useEffect, useState } from "preact/hooks";
import type { SearchFilters as ClientFilters } from "../../src/sdk/client-requests.js";
import type { MachinePage } from "../../src/sdk/client-views.js";
import { STATUS_NAMES } from "../api.js";
import { instantOfLocalInput, localInputOfInstant } from "../format.js";
import { Instant, Loading, StatusBadge } from "../parts/common.js";
import { useLoad } from "../parts/console-context.js";
import { ProblemView } from "../parts/problem-view.js";
import { machineHref, searchHref } from "../router.js";
import { BulkPanel } from "./bulk-panel.js";

const PAGE_SIZES = ["50", "100", "500"];

export interface SearchFilters {
  readonly ns: string;
  readonly status: string | undefined;
  readonly prefix: string | undefined;
  readonly due_before: string | undefined;
  readonly updated_since: string | undefined;
}

export function SearchPage({ query }: { readonly query: Readonly<Record<string, string>> }) {
  const namespaces = useLoad((api) => api.namespaces(), []);
  const names = namespaces.data?.map((namespace) => namespace.name) ?? [];
  const ns = query.ns ?? names[0];
  if (ns === undefined)
    return namespaces.error === undefined ? <Loading /> : <ProblemView error={namespaces.error} />;
  const filters: SearchFilters = {
    ns,
    status: query.status,
    prefix: query.prefix,
    due_before: query.due_before,
    updated_since: query.updated_since,
  };
  return (
    <section>
      <h1>Search machines</h1>
      <SearchForm filters={filters} names={names} />
      <Results filters={filters} cursor={query.cursor} limit={query.limit ?? "50"} />
    </section>
  );
}

function SearchForm({
  filters,
  names,
}: {
  readonly filters: SearchFilters;
  readonly names: readonly string[];
}) {
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [JSON.stringify(filters)]);
  const set = (name: keyof SearchFilters) => (event: { currentTarget: { value: string } }) =>
    setDraft({ ...draft, [name]: event.currentTarget.value === "" ? undefined : event.currentTarget.value });
  return (
    <form
      class="filters"
      onSubmit={(event) => {
        event.preventDefault();
        window.location.hash = searchHref({ ...draft });
      }}
    >
      <label>
        Namespace
        <select name="ns" value={draft.ns} onChange={set("ns")}>
          {names.map((name) => (
            <option value={name}>{name}</option>
          ))}
        </select>
      </label>
      <label>
        Status
        <select name="status" value={draft.status ?? ""} onChange={set("status")}>
          <option value="">any</option>
          <option value="working">working (idle, waiting, retrying)</option>
          {STATUS_NAMES.map((status) => (
            <option value={status}>{status}</option>
          ))}
        </select>
      </label>
      <label>
        Id prefix
        <input name="prefix" value={draft.prefix ?? ""} onInput={set("prefix")} placeholder="pay-" />
      </label>
      <label>
        Timer due before (UTC)
        <input
          type="datetime-local"
          step="1"
          name="due_before"
          value={localInputOfInstant(draft.due_before)}
          onInput={(event) =>
            setDraft({ ...draft, due_before: instantOfLocalInput(event.currentTarget.value) })
          }
        />
      </label>
      <label>
        Updated since (UTC)
        <input
          type="datetime-local"
          step="1"
          name="updated_since"
          value={localInputOfInstant(draft.updated_since)}
          onInput={(event) =>
            setDraft({ ...draft, updated_since: instantOfLocalInput(event.currentTarget.value) })
          }
        />
      </label>
      <button type="submit">Search</button>
    </form>
  );
}

function Results(props: {
  readonly filters: SearchFilters;
  readonly cursor: string | undefined;
  readonly limit: string;
}) {
  const { filters, cursor, limit } = props;
  const [trail, setTrail] = useState<(string | undefined)[]>([]);
  const filterKey = JSON.stringify(filters);
  useEffect(() => setTrail([]), [filterKey]);
  const page = useLoad<MachinePage>(
    (api) =>
      api.client.search(filters.ns, {
        ...(filters.status === undefined ? {} : { status: filters.status as ClientFilters["status"] }),
        ...(filters.prefix === undefined ? {} : { prefix: filters.prefix }),
        ...(filters.due_before === undefined ? {} : { timerDueBefore: filters.due_before }),
        ...(filters.updated_since === undefined ? {} : { updatedSince: filters.updated_since }),
        ...(cursor === undefined ? {} : { cursor }),
        limit: Number(limit),
      }),
    [filterKey, cursor, limit],
  );
  const go = (next: string | undefined, nextLimit = limit) => {
    window.location.hash = searchHref({
      ...filters,
      cursor: next,
      limit: nextLimit === "50" ? undefined : nextLimit,
    });
  };
  const { data, error } = page;
  return (
    <>
      {error !== undefined && <ProblemView error={error} />}
      {data === undefined ? (
        error === undefined && <Loading />
      ) : (
        <>
          <MachineTable namespace={filters.ns} page={data} />
          <div class="pager">
            <button
              type="button"
              disabled={cursor === undefined}
              onClick={() => {
                setTrail([]);
                go(undefined);
              }}
            >
              First page
            </button>
            <button
              type="button"
              disabled={trail.length === 0}
              onClick={() => {
                setTrail(trail.slice(0, -1));
                go(trail.at(-1));
              }}
            >
              Previous
            </button>
            <button
              type="button"
              disabled={data.nextCursor === null}
              onClick={() => {
                setTrail([...trail, cursor]);
                go(data.nextCursor ?? undefined);
              }}
            >
              Next
            </button>
            <label>
              Per page{" "}
              <select value={limit} onChange={(event) => go(undefined, event.currentTarget.value)}>
                {PAGE_SIZES.map((size) => (
                  <option value={size}>{size}</option>
                ))}
              </select>
            </label>
          </div>
          <BulkPanel filters={filters} />
        </>
      )}
    </>
  );
}

function MachineTable({ namespace, page }: { readonly namespace: string; readonly page: MachinePage }) {
  if (page.machines.length === 0)
    return (
      <p class="muted" data-results="0">
        No machine matches.
      </p>
    );
  return (
    <table class="grid" data-table="machines" data-results={page.machines.length}>
      <thead>
        <tr>
          <th>Machine</th>
          <th>Status</th>
          <th>Failure reason</th>
          <th>Timer due</th>
          <th class="num">Events</th>
          <th>Updated</th>
        </tr>
      </thead>
      <tbody>
        {page.machines.map((machine) => (
          <tr data-machine={machine.id}>
            <td>
              <a href={machineHref(namespace, machine.id)}>{machine.id}</a>
            </td>
            <td>
              <StatusBadge status={machine.status} />
            </td>
            <td class="reason">{machine.failureReason ?? ""}</td>
            <td>{machine.timerDueAt === null ? "" : <Instant at={machine.timerDueAt} relative />}</td>
            <td class="num">{machine.lastEventId.toLocaleString("en")}</td>
            <td>
              <Instant at={machine.updatedAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
