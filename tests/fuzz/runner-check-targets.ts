/**
 * Two targets that break on purpose, for runner.test.ts: one fails on large numbers (to prove a failure comes
 * with a seed and path that replay it), one never returns on 7 (to prove a hang is caught from outside).
 */
import fc from "fast-check";
import { defineTarget, type FuzzTarget, violation } from "./fuzz-target.js";

const TARGETS: readonly FuzzTarget[] = [
  defineTarget({
    name: "fails-above-1000",
    description: "fails for every number above 1000",
    testCases: 1000,
    arbitrary: fc.nat(1_000_000),
    open: async () => ({
      kind: "sync",
      check: (input: number) => {
        if (input > 1000) violation(`${input} is above 1000`);
      },
    }),
  }),
  defineTarget({
    name: "hangs-on-7",
    description: "loops forever on 7",
    testCases: 1000,
    arbitrary: fc.integer({ min: 0, max: 20 }),
    open: async () => ({
      kind: "sync",
      check: (input: number) => {
        while (input === 7) {
          // Spins on purpose: the runner must stop it from outside.
        }
      },
    }),
  }),
];

export function targetNamed(name: string): FuzzTarget {
  const target = TARGETS.find((candidate) => candidate.name === name);
  if (target === undefined) throw new Error(`no target ${name}`);
  return target;
}
