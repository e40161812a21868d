/**
 * How `ratchet flow` shows a namespace's flow: JSON (instants as ISO text), or two tables for a terminal, steps
 * then transitions, with counts, p50/p95 durations, failure and retry rates, and with a declared flow whether each
 * was declared. Pure. (Mermaid text comes from core flowToMermaid.)
 */
import type { Flow, FlowEdge, FlowNode, StepFigures } from "../core/flow.js";
import { formatTimestampUs } from "../core/time.js";
import { displayText, durationText, tableLines } from "./text-format.js";

export function flowView(flow: Flow, declared: boolean) {
  const { sinceUs, untilUs, ...rest } = flow;
  return { ...rest, since: formatTimestampUs(sinceUs), until: formatTimestampUs(untilUs), declared };
}

export function flowLines(flow: Flow, declared: boolean): string[] {
  const window = `from ${formatTimestampUs(flow.sinceUs)} to ${formatTimestampUs(flow.untilUs)}`;
  const truncated = flow.truncated ? " (the window holds more: the first ones were folded; narrow it)" : "";
  const lines = [
    `flow of ${displayText(flow.namespace)} ${window}: ${flow.entries} journal entries${truncated}`,
    declared ? "declared: yes = in the declared flow, no = observed only" : "no declared flow",
  ];
  if (flow.nodes.length === 0) return [...lines, "no steps in the window"];
  // A transition's figures are those of the visits of its second step that followed its first.
  const figureTitles = (count: string) => [count, "attempts", "p50", "p95", "failed", "retried"];
  const declaredTitle = declared ? ["declared"] : [];
  const nodeRows = flow.nodes.map((node: FlowNode) => [
    displayText(node.step),
    ...declaredCell(node.declared),
    ...figureCells(node),
  ]);
  const edgeRows = flow.edges.map((edge: FlowEdge) => [
    `${displayText(edge.from)} → ${displayText(edge.to)}`,
    ...declaredCell(edge.declared),
    ...figureCells(edge),
  ]);
  return [
    ...lines,
    "",
    ...tableLines(["step", ...declaredTitle, ...figureTitles("visits")], nodeRows),
    "",
    ...(edgeRows.length === 0
      ? ["no transitions in the window"]
      : tableLines(["transition", ...declaredTitle, ...figureTitles("count")], edgeRows)),
  ];
}

function declaredCell(declared: boolean | null): string[] {
  return declared === null ? [] : [declared ? "yes" : "no"];
}

function figureCells(figures: StepFigures): string[] {
  const measured = figures.count > 0;
  return [
    String(figures.count),
    String(figures.attempts),
    measured ? durationText(figures.p50Ms) : "-",
    measured ? durationText(figures.p95Ms) : "-",
    measured ? percent(figures.failureRate) : "-",
    measured ? percent(figures.retryRate) : "-",
  ];
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}
