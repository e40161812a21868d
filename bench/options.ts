/** The bench's command line: `npm run bench -- [--quick] [--profile [--profile-dir DIR]] [--scale] [--only sqlite,postgres,http]`. */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

export interface BenchOptions {
  readonly quick: boolean;
  /** Seconds per measured window. */
  readonly seconds: number;
  readonly machines: number;
  readonly callers: number;
  /** Idle machines (timers 30 days away) in the table while timer lateness is measured. */
  readonly idleMachines: number;
  /** Where `.cpuprofile` files go; undefined without `--profile`. */
  readonly profileDirectory: string | undefined;
  /** Only the scale curves (`--scale`). */
  readonly scale: boolean;
  /** The parts to run (`--only sqlite,postgres,http`); all by default. */
  readonly parts: ReadonlySet<BenchPart>;
}

export const BENCH_PARTS = ["sqlite", "postgres", "http"] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export function benchOptions(args: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      quick: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      "profile-dir": { type: "string" },
      scale: { type: "boolean", default: false },
      only: { type: "string" },
    },
  });
  const parts = (values.only ?? BENCH_PARTS.join(",")).split(",");
  for (const part of parts) {
    if (!(BENCH_PARTS as readonly string[]).includes(part)) {
      throw new Error(
        `--only takes ${BENCH_PARTS.join(", ")} (comma-separated), not ${JSON.stringify(part)}`,
      );
    }
  }
  const quick = values.quick as boolean;
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return {
    quick,
    seconds: quick ? 3 : 10,
    machines: 64,
    callers: 32,
    idleMachines: quick ? 50_000 : 1_000_000,
    profileDirectory: values.profile
      ? (values["profile-dir"] ?? join(tmpdir(), `ratchet-profiles-${stamp}`))
      : undefined,
    scale: values.scale as boolean,
    parts: new Set(parts as BenchPart[]),
  };
}
