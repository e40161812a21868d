/**
 * The console's pure parts, in Node: the flow graph's layered layout (every forward edge goes to a later layer,
 * cycles are drawn as back edges, no two steps overlap, a long edge never runs through a step, the same flow
 * always draws the same way, checked on random graphs with fast-check), the page addresses after `#`, and how
 * values are written for people (bytes' length from base64, capped counts, durations).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { LAYOUT_DEFAULTS, layoutFlow } from "../../ui/flow-layout.js";
import { base64ByteLength, countText, durationText, instantShort } from "../../ui/format.js";
import { hrefOf, machineHref, parseRoute } from "../../ui/router.js";

const graphs = fc.integer({ min: 1, max: 9 }).chain((size) =>
  fc.record({
    nodes: fc.constant(Array.from({ length: size }, (_, index) => `step_${index}`)),
    edges: fc.uniqueArray(
      fc.record({ from: fc.nat(size - 1), to: fc.nat(size - 1) }).map(({ from, to }) => ({
        from: `step_${from}`,
        to: `step_${to}`,
      })),
      { selector: (edge) => `${edge.from}>${edge.to}`, maxLength: 16 },
    ),
  }),
);

/** Kahn's algorithm: whether every step can be ordered before the steps it leads to (self-loops count as cycles). */
function isAcyclic(nodes: readonly string[], edges: readonly { from: string; to: string }[]): boolean {
  const incoming = new Map(nodes.map((node) => [node, 0]));
  for (const edge of edges) incoming.set(edge.to, (incoming.get(edge.to) ?? 0) + 1);
  const ready = nodes.filter((node) => incoming.get(node) === 0);
  let ordered = 0;
  while (ready.length > 0) {
    const node = ready.pop() as string;
    ordered += 1;
    for (const edge of edges.filter((candidate) => candidate.from === node)) {
      const left = (incoming.get(edge.to) ?? 0) - 1;
      incoming.set(edge.to, left);
      if (left === 0) ready.push(edge.to);
    }
  }
  return ordered === nodes.length;
}

test("the flow layout: forward edges go rightwards, back edges loop under, no steps overlap, no edge crosses a step", () => {
  fc.assert(
    fc.property(graphs, ({ nodes, edges }) => {
      const layout = layoutFlow(nodes, edges);
      const { nodeWidth: width, nodeHeight: height } = LAYOUT_DEFAULTS;
      assert.deepEqual(
        layout.nodes.map((node) => node.id),
        nodes,
      );
      const byId = new Map(layout.nodes.map((node) => [node.id, node]));
      for (const [index, edge] of layout.edges.entries()) {
        const from = byId.get(edge.from);
        const to = byId.get(edge.to);
        assert.ok(from !== undefined && to !== undefined);
        assert.equal(edge.back, to.layer <= from.layer, `edge ${index}`);
        assert.match(edge.path, /^M[\d.,-]+ /);
      }
      for (const a of layout.nodes)
        for (const b of layout.nodes) {
          if (a === b) continue;
          const apart =
            a.x + width <= b.x || b.x + width <= a.x || a.y + height <= b.y || b.y + height <= a.y;
          assert.ok(apart, `${a.id} and ${b.id} overlap`);
        }
      for (const node of layout.nodes) {
        assert.ok(node.x >= 0 && node.x + width <= layout.width);
        assert.ok(node.y >= 0 && node.y + height <= layout.height);
      }
      // A straight run of a forward edge at a step's height inside its box would cross it: straight runs are only
      // drawn through waypoints, which are never where a step is.
      for (const edge of layout.edges.filter((placed) => !placed.back)) {
        for (const match of edge.path.matchAll(/L([\d.]+),([\d.]+)/g)) {
          const [x, y] = [Number(match[1]), Number(match[2])];
          for (const node of layout.nodes)
            assert.ok(
              !(x > node.x && x <= node.x + width && y > node.y && y < node.y + height),
              `${edge.from}->${edge.to} crosses ${node.id}`,
            );
        }
      }
      if (isAcyclic(nodes, edges))
        assert.deepEqual(
          layout.edges.filter((edge) => edge.back),
          [],
          "an acyclic flow has every edge pointing rightwards",
        );
      assert.deepEqual(layoutFlow(nodes, edges), layout, "deterministic");
    }),
    { numRuns: 300, seed: 12 },
  );
});

test("the flow layout puts a payment's steps in order and gives the long edge a row of its own", () => {
  const layout = layoutFlow(
    ["init", "risk_check", "review", "capture"],
    [
      { from: "init", to: "risk_check" },
      { from: "risk_check", to: "review" },
      { from: "review", to: "capture" },
      { from: "risk_check", to: "capture" },
      { from: "capture", to: "risk_check" },
    ],
  );
  assert.deepEqual(
    layout.nodes.map((node) => [node.id, node.layer]),
    [
      ["init", 0],
      ["risk_check", 1],
      ["review", 2],
      ["capture", 3],
    ],
  );
  const long = layout.edges.find((edge) => edge.from === "risk_check" && edge.to === "capture");
  const review = layout.nodes.find((node) => node.id === "review");
  assert.ok(long !== undefined && review !== undefined);
  assert.ok(
    Math.abs(long.labelY - (review.y + LAYOUT_DEFAULTS.nodeHeight / 2)) >= LAYOUT_DEFAULTS.nodeHeight,
    "not through review",
  );
  assert.equal(layout.edges.find((edge) => edge.from === "capture")?.back, true);
});

test("console pages are addressed after the hash: parsed and written back, names encoded, bad escapes name no page", () => {
  assert.deepEqual(parseRoute(""), { page: "overview" });
  assert.deepEqual(parseRoute("#/"), { page: "overview" });
  assert.deepEqual(parseRoute("#/search?ns=payments&status=failed"), {
    page: "search",
    query: { ns: "payments", status: "failed" },
  });
  const href = machineHref("pay ments", "id/with?odd#chars", { tab: "steps" });
  assert.equal(href, "#/machines/pay%20ments/id%2Fwith%3Fodd%23chars?tab=steps");
  assert.deepEqual(parseRoute(href), {
    page: "machine",
    namespace: "pay ments",
    id: "id/with?odd#chars",
    query: { tab: "steps" },
  });
  assert.deepEqual(parseRoute("#/flow/orders?span=24h"), {
    page: "flow",
    namespace: "orders",
    query: { span: "24h" },
  });
  assert.equal(hrefOf({ page: "search", query: { ns: "a", status: "" } }), "#/search?ns=a");
  assert.equal(parseRoute("#/machines/%E0%A4%A/x").page, "not-found");
  assert.equal(parseRoute("#/nowhere").page, "not-found");
});

test("values for people: bytes' length from base64, counts at their cap, durations, instants", () => {
  assert.equal(base64ByteLength(""), 0);
  assert.equal(base64ByteLength(Buffer.from("bank receipt 4471").toString("base64")), 17);
  for (const length of [1, 2, 3, 4, 100, 1001])
    assert.equal(base64ByteLength(Buffer.alloc(length, 7).toString("base64")), length);
  assert.equal(countText(9999, 10000), "9,999");
  assert.equal(countText(10000, 10000), "≥ 10,000");
  assert.equal(durationText(0.25), "0.25 ms");
  assert.equal(durationText(12.4), "12 ms");
  assert.equal(durationText(3200), "3.2 s");
  assert.equal(durationText(90 * 60_000), "1.5 h");
  assert.equal(instantShort("2025-01-31T12:00:00.123456Z"), "2025-01-31 12:00:00.123Z");
});
