/**
 * The flow drawn as SVG from the layout (flow-layout.ts): a box per step with its visits, failure and retry
 * rates; an arrow per transition, thicker the more often it was taken, labelled with its count and the p50 / p95
 * duration of the step it leads to. Drawn here rather than by a diagram library: a flow is tens of steps, and
 * its figures belong on the picture.
 */
import type { Flow } from "../../src/sdk/client-views.js";
import { LAYOUT_DEFAULTS, layoutFlow, type PlacedEdge, type PlacedNode } from "../flow-layout.js";
import { durationText, percentText } from "../format.js";

type FlowStep = Flow["nodes"][number];
type FlowTransition = Flow["edges"][number];

export function FlowGraph({ flow }: { readonly flow: Flow }) {
  const layout = layoutFlow(
    flow.nodes.map((node) => node.step),
    flow.edges,
  );
  const steps = new Map(flow.nodes.map((node) => [node.step, node]));
  const busiest = Math.max(1, ...flow.edges.map((edge) => edge.count));
  return (
    <div class="flow-graph">
      <svg
        xmlns="http://www.w3.org/2000/svg"
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="img"
        aria-label={`The flow of ${flow.namespace}`}
        data-part="flow-graph"
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="10"
            refY="5"
            markerUnits="userSpaceOnUse"
            markerWidth="10"
            markerHeight="10"
            orient="auto-start-reverse"
          >
            <path d="M0,0 L10,5 L0,10 z" class="arrow-head" />
          </marker>
        </defs>
        {layout.edges.map((placed, index) => (
          <EdgeShape placed={placed} edge={flow.edges[index] as FlowTransition} busiest={busiest} />
        ))}
        {layout.nodes.map((placed) => (
          <NodeShape placed={placed} step={steps.get(placed.id)} />
        ))}
      </svg>
    </div>
  );
}

function EdgeShape(props: {
  readonly placed: PlacedEdge;
  readonly edge: FlowTransition;
  readonly busiest: number;
}) {
  const { placed, edge } = props;
  return (
    <g class={`edge ${edgeClass(edge)}`} data-edge={`${edge.from}->${edge.to}`}>
      <path
        d={placed.path}
        marker-end="url(#arrow)"
        style={{ strokeWidth: strokeOf(edge.count, props.busiest) }}
      />
      <text
        x={placed.labelX}
        y={placed.labelY + (placed.back ? 14 : -20)}
        text-anchor="middle"
        class="edge-label"
      >
        {edge.count === 0 ? "declared, not seen" : `×${edge.count.toLocaleString("en")}`}
      </text>
      {edge.count > 0 && (
        <text
          x={placed.labelX}
          y={placed.labelY + (placed.back ? 27 : -7)}
          text-anchor="middle"
          class="edge-label edge-durations"
        >
          p50 {durationText(edge.p50Ms)} · p95 {durationText(edge.p95Ms)}
        </text>
      )}
    </g>
  );
}

function NodeShape({ placed, step }: { readonly placed: PlacedNode; readonly step: FlowStep | undefined }) {
  const { nodeWidth: width, nodeHeight: height } = LAYOUT_DEFAULTS;
  return (
    <g
      class={`node ${nodeClass(step)}`}
      data-step={placed.id}
      transform={`translate(${placed.x},${placed.y})`}
    >
      <rect width={width} height={height} rx="8" />
      <text x={width / 2} y="22" text-anchor="middle" class="node-name">
        {placed.id}
      </text>
      <text x={width / 2} y="42" text-anchor="middle" class="node-figures">
        {step === undefined ? "" : figuresOf(step)}
      </text>
    </g>
  );
}

function figuresOf(step: FlowStep): string {
  const parts = [`${step.count.toLocaleString("en")} visits`];
  if (step.failureRate > 0) parts.push(`${percentText(step.failureRate)} failed`);
  if (step.retryRate > 0) parts.push(`${percentText(step.retryRate)} retried`);
  return parts.join(" · ");
}

/** 1.5 px for the rarest transition up to 6 px for the busiest, on a log scale (counts span orders of magnitude). */
function strokeOf(count: number, busiest: number): number {
  if (count <= 0) return 1.5;
  return 1.5 + (4.5 * Math.log1p(count)) / Math.log1p(busiest);
}

function edgeClass(edge: FlowTransition): string {
  if (edge.declared === false) return "undeclared";
  if (edge.declared === true && edge.count === 0) return "unseen";
  return edge.failureRate > 0 ? "failing" : "";
}

function nodeClass(step: FlowStep | undefined): string {
  if (step === undefined) return "";
  if (step.declared === false) return "undeclared";
  if (step.declared === true && step.count === 0) return "unseen";
  return step.failureRate > 0 ? "failing" : "";
}
