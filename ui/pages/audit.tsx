/**
 * The audit log: every operator action, newest first, with who did it, to which machine, and its outcome;
 * filtered by namespace and machine, a page at a time. A node without an audit log says so.
 */
import { useState } from "preact/hooks";
import type { AuditEntry } from "../api.js";
import { Instant, Loading, NotAvailable } from "../parts/common.js";
import { useLoad } from "../parts/console-context.js";
import { ProblemView } from "../parts/problem-view.js";
import { hrefOf, machineHref } from "../router.js";

export function AuditPage({ query }: { readonly query: Readonly<Record<string, string>> }) {
  const [namespace, setNamespace] = useState(query.ns ?? "");
  const [machineId, setMachineId] = useState(query.machine ?? "");
  const filter = {
    ...(query.ns === undefined ? {} : { namespace: query.ns }),
    ...(query.machine === undefined ? {} : { machine_id: query.machine }),
    ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
  };
  const { data, error } = useLoad((api) => api.audit(filter), [filter]);
  const go = (next: Record<string, string>) => {
    location.hash = hrefOf({ page: "audit", query: next });
  };
  return (
    <section>
      <h1>Audit log</h1>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          go({ ns: namespace, machine: machineId });
        }}
      >
        <label>
          Namespace{" "}
          <input name="ns" value={namespace} onInput={(event) => setNamespace(event.currentTarget.value)} />
        </label>
        <label>
          Machine{" "}
          <input
            name="machine"
            value={machineId}
            onInput={(event) => setMachineId(event.currentTarget.value)}
          />
        </label>
        <button type="submit">Filter</button>
      </form>
      {error !== undefined && <ProblemView error={error} />}
      {data === undefined ? (
        error === undefined && <Loading />
      ) : data === null ? (
        <NotAvailable what="GET /v1/audit" />
      ) : (
        <>
          <AuditTable entries={data.entries} />
          <div class="pager">
            <button
              type="button"
              disabled={query.cursor === undefined}
              onClick={() => go({ ...query, cursor: "" })}
            >
              Newest
            </button>
            <button
              type="button"
              disabled={data.next_cursor === null}
              onClick={() => go({ ...query, cursor: data.next_cursor ?? "" })}
            >
              Older
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function AuditTable({ entries }: { readonly entries: readonly AuditEntry[] }) {
  return (
    <table class="grid" data-table="audit">
      <thead>
        <tr>
          <th>At</th>
          <th>Actor</th>
          <th>Action</th>
          <th>Machine</th>
          <th>Outcome</th>
          <th>Detail</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr data-audit={entry.id}>
            <td>
              <Instant at={entry.at} />
            </td>
            <td>{entry.actor}</td>
            <td>{entry.action}</td>
            <td>
              {entry.machine_id === null ? (
                entry.namespace
              ) : (
                <a href={machineHref(entry.namespace, entry.machine_id)}>
                  {entry.namespace}/{entry.machine_id}
                </a>
              )}
            </td>
            <td class={`outcome outcome-${entry.outcome}`}>{entry.outcome}</td>
            <td>{entry.detail ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
