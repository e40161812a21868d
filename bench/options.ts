/** The bench's command line: `npm run bench [-- --quick] [-- --profile [--profile-dir DIR]] [-- --scale]`. */
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
}

export function benchOptions(args: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      quick: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      "profile-dir": { type: "string" },
      scale: { type: "boolean", default: false },
    },
  });
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
  };
}
