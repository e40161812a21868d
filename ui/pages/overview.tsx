/**
 * The overview: per namespace, its machines by status (failed and paused stand out, each count a link to the
 * search that lists them), the timers due in the next minute, and per sink the outbox backlog, the lag of its
 * oldest record and the records parked. A count the node does not serve yet reads "not available".
 */
import { type NamespaceOverview, type SinkBacklog, STATUS_NAMES } from "../api.js";
import { countText, durationText } from "../format.js";
import { Loading, NotAvailable } from "../parts/common.js";
import { useLoad } from "../parts/console-context.js";
import { ProblemView } from "../parts/problem-view.js";
import { flowHref, searchHref } from "../router.js";

export function OverviewPage() {
  return (
    <section>
      <h1>Overview</h1>
      <Namespaces />
      <h2>Outbox</h2>
      <Outbox />
    </section>
  );
}

function Namespaces() {
  const { data, error } = useLoad((api) => api.namespaces(), []);
  if (data === undefined) return error === undefined ? <Loading /> : <ProblemView error={error} />;
  return (
    <>
      {error !== undefined && <ProblemView error={error} />}
      <table class="grid" data-table="namespaces">
        <thead>
          <tr>
            <th>Namespace</th>
            {STATUS_NAMES.map((status) => (
              <th class={`num status-head-${status}`}>{status}</th>
            ))}
            <th class="num">Timers due in the next minute</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data.map((namespace) => (
            <NamespaceRow namespace={namespace} />
          ))}
        </tbody>
      </table>
      {data[0] !== undefined && (
        <p class="muted small">Counted at {data[0].counted_at}; counts are cached briefly.</p>
      )}
    </>
  );
}

function NamespaceRow({ namespace }: { readonly namespace: NamespaceOverview }) {
  const cap = namespace.counts_capped_at;
  const due = namespace.timers_due_next_minute;
  return (
    <tr data-namespace={namespace.name}>
      <th scope="row">
        <a href={searchHref({ ns: namespace.name })}>{namespace.name}</a>
      </th>
      {STATUS_NAMES.map((status) => {
        const count = namespace.machine_counts[status] ?? 0;
        const alarm = (status === "failed" || status === "paused") && count > 0;
        return (
          <td class={`num${alarm ? ` alarm alarm-${status}` : ""}`} data-count={status}>
            <a href={searchHref({ ns: namespace.name, status })}>{countText(count, cap)}</a>
          </td>
        );
      })}
      <td class="num" data-count="timers_due_next_minute">
        {due === undefined ? <span class="muted">not available</span> : countText(due, cap)}
      </td>
      <td>
        <a href={flowHref(namespace.name)}>flow</a>
      </td>
    </tr>
  );
}

function Outbox() {
  const { data, error } = useLoad<SinkBacklog[] | null>((api) => api.outbox(), []);
  if (data === undefined) return error === undefined ? <Loading /> : <ProblemView error={error} />;
  if (data === null) return <NotAvailable what="GET /v1/outbox" />;
  if (data.length === 0) return <p class="muted">No sinks are configured.</p>;
  return (
    <table class="grid" data-table="outbox">
      <thead>
        <tr>
          <th>Sink</th>
          <th class="num">Pending records</th>
          <th class="num">Oldest lag</th>
          <th class="num">Parked</th>
        </tr>
      </thead>
      <tbody>
        {data.map((sink) => (
          <tr data-sink={sink.name}>
            <th scope="row">{sink.name}</th>
            <td class="num">{sink.pending.toLocaleString("en")}</td>
            <td class="num">{sink.oldest_lag_ms === null ? "–" : durationText(sink.oldest_lag_ms)}</td>
            <td class={`num${sink.parked > 0 ? " alarm alarm-failed" : ""}`}>
              {sink.parked.toLocaleString("en")}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
