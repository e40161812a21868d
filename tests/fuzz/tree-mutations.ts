/**
 * Mutations of valid JSON-like trees (a msgpack JSON form, a configuration), so the decoder sees inputs that are
 * right everywhere but one place: a node replaced by junk, a key or element removed or added, a node wrapped in a
 * list, text cut or extended. Nodes are picked by their index in a pre-order walk, modulo the tree's size.
 */
import fc from "fast-check";

export type TreeMutation =
  | { readonly kind: "replace"; readonly at: number; readonly junk: unknown }
  | { readonly kind: "remove"; readonly at: number; readonly child: number }
  | { readonly kind: "add"; readonly at: number; readonly key: string; readonly junk: unknown }
  | { readonly kind: "wrap"; readonly at: number }
  | { readonly kind: "cut"; readonly at: number; readonly keep: number }
  | { readonly kind: "append"; readonly at: number; readonly text: string };

export function treeMutationsArbitrary(
  junk: fc.Arbitrary<unknown>,
  keys: fc.Arbitrary<string>,
): fc.Arbitrary<TreeMutation[]> {
  const at = fc.nat();
  const mutation: fc.Arbitrary<TreeMutation> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("replace" as const), at, junk }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), at, child: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("add" as const), at, key: keys, junk }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("wrap" as const), at }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("cut" as const), at, keep: fc.nat(8) }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("append" as const), at, text: fc.string({ maxLength: 4 }) }),
    },
  );
  return fc.array(mutation, { minLength: 1, maxLength: 3 });
}

export function mutateTree(tree: unknown, mutations: readonly TreeMutation[]): unknown {
  return mutations.reduce(mutateOnce, tree);
}

function mutateOnce(tree: unknown, mutation: TreeMutation): unknown {
  const target = mutation.at % sizeOf(tree);
  let index = -1;
  const walk = (node: unknown): unknown => {
    index += 1;
    if (index === target) return applyAt(node, mutation);
    if (Array.isArray(node)) return node.map(walk);
    if (isRecord(node))
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child)]));
    return node;
  };
  return walk(tree);
}

function applyAt(node: unknown, mutation: TreeMutation): unknown {
  switch (mutation.kind) {
    case "replace":
      return mutation.junk;
    case "remove":
      if (Array.isArray(node)) return node.filter((_, index) => index !== mutation.child % node.length);
      if (isRecord(node)) {
        const keys = Object.keys(node);
        const gone = keys[mutation.child % Math.max(keys.length, 1)];
        return Object.fromEntries(Object.entries(node).filter(([key]) => key !== gone));
      }
      return node;
    case "add":
      if (Array.isArray(node)) return [...node, mutation.junk];
      if (isRecord(node)) return { ...node, [mutation.key]: mutation.junk };
      return node;
    case "wrap":
      return [node];
    case "cut":
      return typeof node === "string" ? node.slice(0, mutation.keep % (node.length + 1)) : node;
    case "append":
      return typeof node === "string" ? node + mutation.text : node;
  }
}

function sizeOf(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((sum: number, child) => sum + sizeOf(child), 1);
  if (isRecord(node)) return Object.values(node).reduce((sum: number, child) => sum + sizeOf(child), 1);
  return 1;
}

function isRecord(node: unknown): node is Record<string, unknown> {
  return typeof node === "object" && node !== null && !Array.isArray(node) && !(node instanceof Uint8Array);
}
