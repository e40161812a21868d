/**
 * YAML text for the config target, made from valid trees (config-trees.ts): rendered as is, with references to
 * undefined variables, with tree mutations, with text mutations that insert YAML's own syntax (anchors, aliases,
 * merge keys, tags, directives), with alias bombs, and a few hostile documents and random text.
 */
import fc from "fast-check";
import { stringify } from "yaml";
import { configTreeArbitrary, VARIABLE_NAMES, withReferences } from "./config-trees.js";
import { mutateTree, treeMutationsArbitrary } from "./tree-mutations.js";

const configJunk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    -1,
    0,
    1.5,
    2 ** 60,
    "",
    " ",
    "1s",
    "-5s",
    "1x",
    "infinity",
    "disabled",
    `\${MISSING}`,
  ),
  fc.constantFrom(
    `\${constructor}`,
    `\${__proto__}`,
    "http://",
    "postgres://",
    "::1",
    "999999999999999999999d",
    [],
    {},
  ),
  fc.string({ maxLength: 8 }),
  fc.jsonValue({ maxDepth: 2 }),
);

const configKeys = fc.constantFrom(
  "__proto__",
  "type",
  "url",
  "processor",
  "timers",
  "constructor",
  "x",
  "<<",
);

/** YAML fragments with meaning of their own, for text mutations. */
const YAML_PIECES = [
  "&a ",
  "*a",
  "<<: *a",
  "!!binary ",
  "!!set ",
  "!!str ",
  "? ",
  "- ",
  ": ",
  "{",
  "}",
  "[",
  "]",
  "\t",
  "\n",
  "#",
  "|",
  ">",
  "'",
  '"',
  "---\n",
  "%YAML 1.1\n---\n",
  "\\u0000",
  "\uFEFF",
];

const textMutation = fc.oneof(
  fc.record({ at: fc.nat(), insert: fc.oneof(fc.constantFrom(...YAML_PIECES), fc.string({ maxLength: 4 })) }),
  fc.record({ at: fc.nat(), remove: fc.integer({ min: 1, max: 6 }) }),
);

function mutateText(
  text: string,
  mutations: readonly { at: number; insert?: string; remove?: number }[],
): string {
  return mutations.reduce((current, mutation) => {
    const at = mutation.at % (current.length + 1);
    const after = current.slice(at + (mutation.remove ?? 0));
    return current.slice(0, at) + (mutation.insert ?? "") + after;
  }, text);
}

/** Anchors `levels` deep, each level a list of `width` aliases of the one below: width^levels expansions. */
function aliasBomb(levels: number, width: number): string {
  const lines = ["bomb0: &bomb0 [x, x]"];
  for (let level = 1; level <= levels; level += 1) {
    const aliases = Array.from({ length: width }, () => `*bomb${level - 1}`).join(", ");
    lines.push(`bomb${level}: &bomb${level} [${aliases}]`);
  }
  return lines.join("\n");
}

export interface ConfigInput {
  readonly yaml: string;
  readonly env: Record<string, string>;
  /** The tree the text was rendered from (before references), when nothing was mutated. */
  readonly tree?: unknown;
  /** Variables the text refers to that the environment does not define. */
  readonly missing?: readonly string[];
}

function rendered(tree: unknown, choices: readonly number[], undefinedNames: readonly string[]) {
  const env: Record<string, string> = {};
  const referenced = withReferences(tree, choices, env);
  const missing = undefinedNames.filter((name) => Object.hasOwn(env, name));
  for (const name of missing) delete env[name];
  return { yaml: stringify(referenced), env, missing };
}

const choices = fc.array(fc.nat(VARIABLE_NAMES.length * 4), { maxLength: 6 });

export const configInputArbitrary: fc.Arbitrary<ConfigInput> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(configTreeArbitrary, choices)
      .map(([tree, picks]): ConfigInput => ({ ...rendered(tree, picks, []), tree })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(configTreeArbitrary, choices, fc.subarray(VARIABLE_NAMES, { minLength: 1, maxLength: 2 }))
      .map(([tree, picks, missing]): ConfigInput => rendered(tree, picks, missing)),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(configTreeArbitrary, treeMutationsArbitrary(configJunk, configKeys))
      .map(([tree, mutations]): ConfigInput => ({ yaml: stringify(mutateTree(tree, mutations)), env: {} })),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(configTreeArbitrary, fc.array(textMutation, { minLength: 1, maxLength: 4 }))
      .map(([tree, mutations]): ConfigInput => ({ yaml: mutateText(stringify(tree), mutations), env: {} })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        configTreeArbitrary,
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
      )
      .map(([tree, levels, width, inside]): ConfigInput => {
        const bomb = aliasBomb(levels, width);
        return { yaml: inside ? `${bomb}\n${stringify(tree)}` : `${stringify(tree)}${bomb}\n`, env: {} };
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        "a: &x [*x]\nnamespaces: {}",
        "a: &x {b: *x}\n",
        "a: *x\nb: &x 1\n",
        `namespaces: ${"[".repeat(3000)}${"]".repeat(3000)}`,
        Array.from({ length: 400 }, (_, level) => `${" ".repeat(level)}k:`).join("\n"),
        "",
        "---\n...\n",
      )
      .map((yaml): ConfigInput => ({ yaml, env: {} })),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((yaml): ConfigInput => ({ yaml, env: {} })) },
);
