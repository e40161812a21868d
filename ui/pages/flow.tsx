/**
 * A namespace's flow over a span of time: the steps its machines really went through, drawn as a graph (layered
 * left to right by flow-layout.ts, as SVG), each edge labelled with how often it was taken and the p50 and p95
 * durations of the step it leads to. With a declared flow, what was seen but not declared is drawn red, and what
 * was declared but not seen grey and dashed. The figures are in a table below as well.
 */
import type { Flow } from "../../src/sdk/client-views.js";
import { durationText, percentText } from "../format.js";
import { Loading } from "../parts/common.js";
import { useLoad } from "../parts/console-context.js";
import { ProblemView } from "../parts/problem-view.js";
import { flowHref } from "../router.js";
import { FlowGraph } from "./flow-graph.js";

const WINDOWS: Readonly<Record<string, number>> = {
  "15m": 15 * 60_000,
  "1h": 60 * 60_000,
  "6h": 6 * 60 * 60_000,
  "24h": 24 * 60 * 60_000,
  "7d": 7 * 24 * 60 * 60_000,
};

export function FlowPage(props: {
  readonly namespace: string | null;
  readonly query: Readonly<Record<string, string>>;
}) {
  const namespaces = useLoad((api) => api.namespaces(), []);
  const names = namespaces.data?.map((namespace) => namespace.name) ?? [];
  const namespace = props.namespace ?? names[0];
  const span =
    props.query.span !== undefined && WINDOWS[props.query.span] !== undefined ? props.query.span : "1h";
  if (namespace === undefined)
    return namespaces.error === undefined ? <Loading /> : <ProblemView error={namespaces.error} />;
  return (
    <section>
      <h1>Flow of {namespace}</h1>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Namespace
          <select
            name="ns"
            value={namespace}
            onChange={(event) => (location.hash = flowHref(event.currentTarget.value, { span }))}
          >
            {names.map((name) => (
              <option value={name}>{name}</option>
            ))}
          </select>
        </label>
        <label>
          Window
          <select
            name="span"
            value={span}
            onChange={(event) => (location.hash = flowHref(namespace, { span: event.currentTarget.value }))}
          >
            {Object.keys(WINDOWS).map((name) => (
              <option value={name}>last {name}</option>
            ))}
          </select>
        </label>
      </form>
      <FlowView namespace={namespace} span={span} />
    </section>
  );
}

function FlowView({ namespace, span }: { readonly namespace: string; readonly span: string }) {
  const flow = useLoad<Flow>(
    (api) => api.client.flow(namespace, { since: new Date(Date.now() - (WINDOWS[span] ?? 0)) }),
    [namespace, span],
  );
  const { data, error } = flow;
  if (data === undefined) return error === undefined ? <Loading /> : <ProblemView error={error} />;
  const declared =
    data.nodes.some((node) => node.declared !== null) || data.edges.some((edge) => edge.declared !== null);
  return (
    <>
      {error !== undefined && <ProblemView error={error} />}
      <p class="muted small">
        {data.entries.toLocaleString("en")} journal entries from {data.since} to {data.until}
        {data.truncated ? " (the span held more: the oldest were left out)" : ""}.
      </p>
      {data.nodes.length === 0 ? (
        <p class="muted" data-part="flow-empty">
          No step was journaled in this span.
        </p>
      ) : (
        <FlowGraph flow={data} />
      )}
      {declared && (
        <p class="legend">
          <span class="legend-undeclared">red: seen, not declared</span>{" "}
          <span class="legend-unseen">grey dashed: declared, not seen</span>
        </p>
      )}
      <EdgeTable flow={data} declared={declared} />
    </>
  );
}

function EdgeTable({ flow, declared }: { readonly flow: Flow; readonly declared: boolean }) {
  if (flow.edges.length === 0) return null;
  return (
    <table class="grid" data-table="flow-edges">
      <thead>
        <tr>
          <th>From</th>
          <th>To</th>
          <th class="num">Count</th>
          <th class="num">Attempts</th>
          <th class="num">p50</th>
          <th class="num">p95</th>
          <th class="num">Failed</th>
          <th class="num">Retried</th>
          {declared && <th>Declared</th>}
        </tr>
      </thead>
      <tbody>
        {flow.edges.map((edge) => (
          <tr data-edge={`${edge.from}->${edge.to}`}>
            <td>
              <code>{edge.from}</code>
            </td>
            <td>
              <code>{edge.to}</code>
            </td>
            <td class="num">{edge.count.toLocaleString("en")}</td>
            <td class="num">{edge.attempts.toLocaleString("en")}</td>
            <td class="num">{durationText(edge.p50Ms)}</td>
            <td class="num">{durationText(edge.p95Ms)}</td>
            <td class="num">{percentText(edge.failureRate)}</td>
            <td class="num">{percentText(edge.retryRate)}</td>
            {declared && <td>{edge.declared === null ? "" : edge.declared ? "yes" : "no"}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
