/**
 * A layered layout of a flow graph, left to right, for the flow page's SVG: the classic Sugiyama steps in their
 * simplest form. Cycles are broken by reversing the back edges a depth-first walk finds (a step retried after a
 * later one, a loop); each step goes in the layer after its furthest predecessor (longest path); steps within a
 * layer are ordered by the mean position of their neighbours, sweeping right then left a few times, which
 * removes most crossings of the small graphs flows are (tens of steps); an edge that crosses layers gets a
 * waypoint in each, ordered like a step, so it never runs through one. Pure and deterministic: the same flow
 * always draws the same way, so a refresh does not move the picture.
 */

export interface LayoutOptions {
  readonly nodeWidth: number;
  readonly nodeHeight: number;
  /** Room between layers, for the edges and their labels. */
  readonly layerGap: number;
  /** Room between the steps of one layer. */
  readonly rowGap: number;
  readonly margin: number;
}

export const LAYOUT_DEFAULTS: LayoutOptions = {
  nodeWidth: 168,
  nodeHeight: 60,
  layerGap: 190,
  rowGap: 46,
  margin: 24,
};

export interface PlacedNode {
  readonly id: string;
  readonly layer: number;
  readonly x: number;
  readonly y: number;
}

export interface PlacedEdge {
  readonly from: string;
  readonly to: string;
  /** An SVG path from the source's side to the target's. */
  readonly path: string;
  readonly labelX: number;
  readonly labelY: number;
  /** Drawn against the flow's direction (a back edge of a cycle). */
  readonly back: boolean;
}

export interface FlowLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
}

/** Sweeps of the ordering heuristic; more change nothing on graphs of this size. */
const ORDER_SWEEPS = 4;

export function layoutFlow(
  nodeIds: readonly string[],
  edges: readonly { readonly from: string; readonly to: string }[],
  options: LayoutOptions = LAYOUT_DEFAULTS,
): FlowLayout {
  const ids = uniqueIds(nodeIds, edges);
  const backEdges = findBackEdges(ids, edges);
  const forward = edges
    .filter((edge) => edge.from !== edge.to)
    .map((edge) => (backEdges.has(edgeKey(edge)) ? { from: edge.to, to: edge.from } : edge));
  const layerOf = assignLayers(ids, forward);
  const waypoints = addWaypoints(forward, layerOf);
  const allIds = [...ids, ...waypoints.ids];
  const layers = orderLayers(allIds, waypoints.edges, layerOf);
  const tallest = Math.max(1, ...layers.map((layer) => layer.length));
  const columnHeight = tallest * options.nodeHeight + (tallest - 1) * options.rowGap;
  const placed = new Map<string, PlacedNode>();
  layers.forEach((layer, index) => {
    const height = layer.length * options.nodeHeight + (layer.length - 1) * options.rowGap;
    const top = options.margin + (columnHeight - height) / 2;
    layer.forEach((id, row) => {
      const x = options.margin + index * (options.nodeWidth + options.layerGap);
      placed.set(id, { id, layer: index, x, y: top + row * (options.nodeHeight + options.rowGap) });
    });
  });
  return {
    width:
      2 * options.margin +
      layers.length * options.nodeWidth +
      Math.max(0, layers.length - 1) * options.layerGap,
    // Room below the lowest row for back edges, which run under the steps they pass.
    height: 2 * options.margin + columnHeight + (backEdges.size > 0 ? 2 * options.rowGap : 0),
    nodes: ids.map((id) => placed.get(id) as PlacedNode),
    edges: edges.map((edge) => {
      const through = (waypoints.of.get(edgeKey(edge)) ?? []).map((id) => placed.get(id) as PlacedNode);
      return routeEdge(edge, { placed, through }, options);
    }),
  };
}

/**
 * A forward edge that crosses layers gets a waypoint in each layer between its ends: the waypoints are ordered
 * and placed like steps, so the edge runs through a row of its own there instead of through a step.
 */
function addWaypoints(
  forward: readonly { from: string; to: string }[],
  layerOf: Map<string, number>,
): { ids: string[]; edges: { from: string; to: string }[]; of: Map<string, string[]> } {
  const ids: string[] = [];
  const chained: { from: string; to: string }[] = [];
  const of = new Map<string, string[]>();
  forward.forEach((edge, index) => {
    const from = layerOf.get(edge.from) ?? 0;
    const to = layerOf.get(edge.to) ?? 0;
    if (to - from <= 1 || of.has(edgeKey(edge))) {
      chained.push(edge);
      return;
    }
    const path: string[] = [];
    for (let layer = from + 1; layer < to; layer += 1) {
      const id = `\u0000waypoint:${index}:${layer}`;
      layerOf.set(id, layer);
      path.push(id);
    }
    ids.push(...path);
    of.set(edgeKey(edge), path);
    const chain = [edge.from, ...path, edge.to];
    for (let step = 1; step < chain.length; step += 1)
      chained.push({ from: chain[step - 1] as string, to: chain[step] as string });
  });
  return { ids, edges: chained, of };
}

/** Every step named by a node or an edge, in the order given (nodes first). */
function uniqueIds(nodeIds: readonly string[], edges: readonly { from: string; to: string }[]): string[] {
  const ids = new Set(nodeIds);
  for (const edge of edges) {
    ids.add(edge.from);
    ids.add(edge.to);
  }
  return [...ids];
}

function edgeKey(edge: { readonly from: string; readonly to: string }): string {
  return `${edge.from}\u0000${edge.to}`;
}

/** Edges that close a cycle, found by a depth-first walk from the steps nothing leads to (then any left). */
function findBackEdges(ids: readonly string[], edges: readonly { from: string; to: string }[]): Set<string> {
  const next = adjacency(ids, edges, "from", "to");
  const hasPredecessor = new Set(edges.filter((edge) => edge.from !== edge.to).map((edge) => edge.to));
  const state = new Map<string, "open" | "done">();
  const back = new Set<string>();
  const visit = (id: string) => {
    state.set(id, "open");
    for (const to of next.get(id) ?? []) {
      if (to === id) continue;
      const seen = state.get(to);
      if (seen === "open") back.add(edgeKey({ from: id, to }));
      else if (seen === undefined) visit(to);
    }
    state.set(id, "done");
  };
  for (const id of [...ids.filter((id) => !hasPredecessor.has(id)), ...ids]) if (!state.has(id)) visit(id);
  return back;
}

/** Longest path from the sources: each step one layer after its furthest predecessor. */
function assignLayers(
  ids: readonly string[],
  edges: readonly { from: string; to: string }[],
): Map<string, number> {
  const previous = adjacency(ids, edges, "to", "from");
  const layer = new Map<string, number>();
  const layerOf = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    layer.set(id, 0); // the graph is acyclic here; this only guards the recursion
    const value = Math.max(-1, ...(previous.get(id) ?? []).map(layerOf)) + 1;
    layer.set(id, value);
    return value;
  };
  for (const id of ids) layerOf(id);
  return layer;
}

/** The steps of each layer, ordered by the barycentre of their neighbours in the layer before (then after). */
function orderLayers(
  ids: readonly string[],
  edges: readonly { from: string; to: string }[],
  layerOf: ReadonlyMap<string, number>,
): string[][] {
  const count = Math.max(-1, ...layerOf.values()) + 1;
  const layers: string[][] = Array.from({ length: count }, () => []);
  for (const id of ids) layers[layerOf.get(id) ?? 0]?.push(id);
  const previous = adjacency(ids, edges, "to", "from");
  const next = adjacency(ids, edges, "from", "to");
  const position = new Map<string, number>();
  const remember = (layer: readonly string[]) => {
    layer.forEach((id, index) => {
      position.set(id, index);
    });
  };
  for (const layer of layers) remember(layer);
  for (let sweep = 0; sweep < ORDER_SWEEPS; sweep += 1) {
    const rightward = sweep % 2 === 0;
    const neighbours = rightward ? previous : next;
    const order = rightward ? layers.slice(1) : layers.slice(0, -1).reverse();
    for (const layer of order) {
      const weight = (id: string) => {
        const around = (neighbours.get(id) ?? []).map((other) => position.get(other) ?? 0);
        return around.length === 0
          ? (position.get(id) ?? 0)
          : around.reduce((a, b) => a + b, 0) / around.length;
      };
      const weights = new Map(layer.map((id) => [id, weight(id)]));
      layer.sort((a, b) => (weights.get(a) ?? 0) - (weights.get(b) ?? 0) || ids.indexOf(a) - ids.indexOf(b));
      remember(layer);
    }
  }
  return layers;
}

function adjacency(
  ids: readonly string[],
  edges: readonly { from: string; to: string }[],
  key: "from" | "to",
  value: "from" | "to",
): Map<string, string[]> {
  const map = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const edge of edges) map.get(edge[key])?.push(edge[value]);
  return map;
}

/**
 * A forward edge leaves the source's right side for the target's left, running straight through the slot of each
 * waypoint it has (its label sits on the first, where it runs level); a back edge loops under both steps.
 */
function routeEdge(
  edge: { readonly from: string; readonly to: string },
  where: { readonly placed: ReadonlyMap<string, PlacedNode>; readonly through: readonly PlacedNode[] },
  options: LayoutOptions,
): PlacedEdge {
  const source = where.placed.get(edge.from) as PlacedNode;
  const target = where.placed.get(edge.to) as PlacedNode;
  const { nodeWidth: width, nodeHeight: height } = options;
  if (target.layer > source.layer) {
    const points: [number, number][] = [[source.x + width, source.y + height / 2]];
    for (const waypoint of where.through) {
      points.push([waypoint.x, waypoint.y + height / 2], [waypoint.x + width, waypoint.y + height / 2]);
    }
    points.push([target.x, target.y + height / 2]);
    let path = `M${points[0]?.[0]},${points[0]?.[1]}`;
    for (let index = 1; index < points.length; index += 1) {
      const [x1, y1] = points[index - 1] as [number, number];
      const [x2, y2] = points[index] as [number, number];
      const bend = (x2 - x1) / 2;
      path += y1 === y2 ? ` L${x2},${y2}` : ` C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`;
    }
    const first = where.through[0];
    const [startX, startY] = points[0] as [number, number];
    const [endX, endY] = points[1] as [number, number];
    return {
      ...edge,
      path,
      labelX: first === undefined ? (startX + endX) / 2 : first.x + width / 2,
      labelY: first === undefined ? (startY + endY) / 2 : first.y + height / 2,
      back: false,
    };
  }
  const x1 = source.x + width / 2;
  const y1 = source.y + height;
  const x2 = target.x + width / 2 + (edge.from === edge.to ? width / 4 : 0);
  const y2 = target.y + height;
  const below = Math.max(y1, y2) + options.rowGap * 0.8;
  return {
    ...edge,
    path: `M${x1},${y1} C${x1},${below} ${x2},${below} ${x2},${y2}`,
    labelX: (x1 + x2) / 2,
    labelY: below,
    back: true,
  };
}
