/**
 * Every fuzz target, by name: `npm test` runs each for its test cases (tests/fuzz/*.test.ts), `npm run fuzz`
 * for a budget. A new decoder joins by adding its targets here; `json-api` calls the JSON API's handler
 * in-process (no socket) with arbitrary methods, paths, queries, headers and bodies.
 */
import { CONFIG_TARGETS } from "./config-targets.js";
import type { FuzzTarget } from "./fuzz-target.js";
import { JSON_API_TARGETS } from "./json-api-targets.js";
import { MSGPACK_TARGETS } from "./msgpack-targets.js";
import { THRIFT_TARGETS } from "./thrift-targets.js";
import { WOODY_TARGETS } from "./woody-targets.js";

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  ...THRIFT_TARGETS,
  ...MSGPACK_TARGETS,
  ...WOODY_TARGETS,
  ...CONFIG_TARGETS,
  ...JSON_API_TARGETS,
];

export function targetNamed(name: string): FuzzTarget {
  const target = FUZZ_TARGETS.find((candidate) => candidate.name === name);
  if (target === undefined) {
    const names = FUZZ_TARGETS.map((candidate) => candidate.name).join(", ");
    throw new Error(`no fuzz target ${JSON.stringify(name)}; the targets are ${names}`);
  }
  return target;
}
