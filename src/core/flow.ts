/**
 * The flow of a namespace: the steps its machines really went through, folded from the journal. A *visit* is a
 * run of consecutive journal entries of one machine with the same step name (a step and its retries); nodes are
 * step names with their visits, edges are "a visit of A was followed by a visit of B" with the figures of those B
 * visits. With a declared flow, each edge says whether it was declared, and declared edges never seen are listed
 * with zero counts.
 */
import type { JournalEntry } from "./journal.js";

export interface StepFigures {
  /** Visits: a step and its retries count once. */
  readonly count: number;
  /** Attempts, retries included. */
  readonly attempts: number;
  /** Median and 95th percentile of a visit's duration, first attempt's start to last attempt's end (ms). */
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** Share of visits that ended in a fatal error (the machine failed). */
  readonly failureRate: number;
  /** Share of visits that needed more than one attempt. */
  readonly retryRate: number;
}

export interface FlowNode extends StepFigures {
  readonly step: string;
  /** Whether a declared flow names the step; null without a declared flow. */
  readonly declared: boolean | null;
}

export interface FlowEdge extends StepFigures {
  readonly from: string;
  readonly to: string;
  readonly declared: boolean | null;
}

export interface Flow {
  readonly namespace: string;
  readonly sinceUs: number;
  readonly untilUs: number;
  /** Journal entries folded, and whether the window held more than were read. */
  readonly entries: number;
  readonly truncated: boolean;
  readonly nodes: readonly FlowNode[];
  readonly edges: readonly FlowEdge[];
}

export interface FlowDeclaration {
  readonly steps: readonly string[];
  readonly transitions: readonly (readonly [from: string, to: string])[];
}

interface Visit {
  readonly step: string;
  readonly startedAtUs: number;
  endedAtUs: number;
  attempts: number;
  failed: boolean;
}

/** Folds one namespace's journal entries, grouped by machine and in step order within each, into its flow. */
export function foldFlow(options: {
  namespace: string;
  sinceUs: number;
  untilUs: number;
  entries: readonly { machineId: string; entry: JournalEntry }[];
  truncated: boolean;
  declared: FlowDeclaration | null;
}): Flow {
  const nodes = new Map<string, Visit[]>();
  const edges = new Map<string, { from: string; to: string; visits: Visit[] }>();
  let machineId: string | null = null;
  let previous: Visit | null = null;
  let current: Visit | null = null;
  const close = () => {
    if (current === null) return;
    push(nodes, current.step, current);
    if (previous !== null) {
      const key = edgeKey(previous.step, current.step);
      const edge = edges.get(key) ?? { from: previous.step, to: current.step, visits: [] };
      edge.visits.push(current);
      edges.set(key, edge);
    }
    previous = current;
    current = null;
  };
  for (const { machineId: id, entry } of options.entries) {
    if (id !== machineId) {
      close();
      previous = null;
      machineId = id;
    }
    if (current !== null && current.step === entry.name) {
      current.attempts += 1;
      current.endedAtUs = entry.endedAtUs;
      current.failed = entry.outcome === "fatal_error";
      continue;
    }
    close();
    current = {
      step: entry.name,
      startedAtUs: entry.startedAtUs,
      endedAtUs: entry.endedAtUs,
      attempts: 1,
      failed: entry.outcome === "fatal_error",
    };
  }
  close();
  return {
    namespace: options.namespace,
    sinceUs: options.sinceUs,
    untilUs: options.untilUs,
    entries: options.entries.length,
    truncated: options.truncated,
    nodes: flowNodes(nodes, options.declared),
    edges: flowEdges(edges, options.declared),
  };
}

function flowNodes(nodes: Map<string, Visit[]>, declared: FlowDeclaration | null): FlowNode[] {
  const steps = new Set([...(declared?.steps ?? []), ...nodes.keys()]);
  return [...steps].map((step) => ({
    step,
    declared: declared === null ? null : declared.steps.includes(step),
    ...figuresOf(nodes.get(step) ?? []),
  }));
}

function flowEdges(
  edges: Map<string, { from: string; to: string; visits: Visit[] }>,
  declared: FlowDeclaration | null,
): FlowEdge[] {
  const declaredKeys = new Set((declared?.transitions ?? []).map(([from, to]) => edgeKey(from, to)));
  const observed = [...edges.values()].map(({ from, to, visits }) => ({
    from,
    to,
    declared: declared === null ? null : declaredKeys.has(edgeKey(from, to)),
    ...figuresOf(visits),
  }));
  const unseen = (declared?.transitions ?? [])
    .filter(([from, to]) => !edges.has(edgeKey(from, to)))
    .map(([from, to]) => ({ from, to, declared: true, ...figuresOf([]) }));
  return [...observed, ...unseen];
}

function figuresOf(visits: readonly Visit[]): StepFigures {
  const durations = visits.map((visit) => (visit.endedAtUs - visit.startedAtUs) / 1000).sort((a, b) => a - b);
  const count = visits.length;
  const share = (predicate: (visit: Visit) => boolean) =>
    count === 0 ? 0 : visits.filter(predicate).length / count;
  return {
    count,
    attempts: visits.reduce((sum, visit) => sum + visit.attempts, 0),
    p50Ms: percentile(durations, 0.5),
    p95Ms: percentile(durations, 0.95),
    failureRate: share((visit) => visit.failed),
    retryRate: share((visit) => visit.attempts > 1),
  };
}

/** Nearest-rank percentile of sorted values; 0 for none. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1] as number;
}

function edgeKey(from: string, to: string): string {
  return JSON.stringify([from, to]);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/**
 * The flow as Mermaid text: a `flowchart LR` with a node per step (visits, p50) and an edge per transition
 * (count); an observed edge the declaration lacks is dashed, a declared one never observed is dotted at 0.
 */
export function flowToMermaid(flow: Flow): string {
  const ids = new Map(flow.nodes.map((node, index) => [node.step, `s${index}`]));
  const lines = ["flowchart LR"];
  for (const node of flow.nodes) {
    const label = `${node.step}<br/>${node.count} × · p50 ${formatMs(node.p50Ms)}${ratesOf(node)}`;
    lines.push(`  ${ids.get(node.step)}["${escapeLabel(label)}"]`);
  }
  for (const edge of flow.edges) {
    const arrow = edge.declared === false ? "-.->" : edge.count === 0 ? "-.-" : "-->";
    lines.push(`  ${ids.get(edge.from)} ${arrow}|${edge.count}| ${ids.get(edge.to)}`);
  }
  return `${lines.join("\n")}\n`;
}

function ratesOf(figures: StepFigures): string {
  const parts: string[] = [];
  if (figures.retryRate > 0) parts.push(`retried ${percent(figures.retryRate)}`);
  if (figures.failureRate > 0) parts.push(`failed ${percent(figures.failureRate)}`);
  return parts.length === 0 ? "" : `<br/>${parts.join(" · ")}`;
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10} %`;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms * 10) / 10} ms`;
}

/** Mermaid labels are quoted: a quote inside one is written as its entity. */
function escapeLabel(label: string): string {
  return label.replaceAll('"', "#quot;");
}
