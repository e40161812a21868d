/**
 * `npm run fuzz`: runs every fuzz target of tests/fuzz/targets.ts (or those named) for a budget per target, each
 * in a watched worker (hangs and heap exhaustion are caught), and prints per target the cases run, the time and
 * the seed; a failure also prints its counterexample and the command that replays it. Exits 1 on any failure.
 *
 *   npm run fuzz -- [--target NAME]... [--cases N] [--seconds S] [--seed N] [--path P] [--hang-seconds S]
 */
import { parseArgs } from "node:util";
import {
  describeFailure,
  HANG_SECONDS_DEFAULT,
  runTarget,
  type TargetReport,
} from "../tests/fuzz/run-target.js";
import { FUZZ_TARGETS } from "../tests/fuzz/targets.js";

/**
 * The default budget per target: a million cases or two minutes, whichever ends first. The fast targets reach
 * the million; the HTTP and configuration targets (about 1 ms a case on two shared cores) stop on time.
 */
const CASES_DEFAULT = 1_000_000;
const SECONDS_DEFAULT = 120;

const USAGE =
  "usage: npm run fuzz -- [--target NAME]... [--cases N] [--seconds S] [--seed N] [--path P] [--hang-seconds S]";

interface Budget {
  readonly targets: readonly string[];
  readonly cases: number;
  readonly seconds: number;
  readonly seed: number;
  readonly path?: string;
  readonly hangSeconds: number;
}

function wholeNumber(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const number = Number(text);
  if (!Number.isSafeInteger(number) || number < 0)
    throw new Error(`${flag} must be a whole number, got ${text}`);
  return number;
}

function budgetOf(args: readonly string[]): Budget {
  const { values } = parseArgs({
    args: [...args],
    options: {
      target: { type: "string", multiple: true },
      cases: { type: "string" },
      seconds: { type: "string" },
      seed: { type: "string" },
      path: { type: "string" },
      "hang-seconds": { type: "string" },
    },
  });
  const known = FUZZ_TARGETS.map((target) => target.name);
  const targets = values.target ?? known;
  const unknown = targets.filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new Error(`unknown target ${unknown.join(", ")}; the targets are ${known.join(", ")}`);
  if (values.path !== undefined && (values.seed === undefined || targets.length !== 1)) {
    throw new Error("--path replays one case: give it with --seed and one --target");
  }
  return {
    targets,
    cases: wholeNumber(values.cases, "--cases", CASES_DEFAULT),
    seconds: wholeNumber(values.seconds, "--seconds", SECONDS_DEFAULT),
    // fast-check seeds are 32-bit; a fresh run picks one at random and prints it.
    seed: wholeNumber(values.seed, "--seed", Math.floor(Math.random() * 2 ** 31)),
    ...(values.path !== undefined && { path: values.path }),
    hangSeconds: wholeNumber(values["hang-seconds"], "--hang-seconds", HANG_SECONDS_DEFAULT),
  };
}

function lineOf(report: TargetReport): string {
  const seconds = report.elapsedMs / 1000;
  const rate = Math.round(report.casesRun / Math.max(seconds, 0.001));
  const verdict = report.failure === undefined ? `passed (stopped by ${report.stoppedBy})` : "FAILED";
  return [
    report.target.padEnd(16),
    `${String(report.casesRun).padStart(9)} cases`,
    `${seconds.toFixed(1).padStart(7)} s`,
    `${String(rate).padStart(7)}/s`,
    `seed ${report.seed}`,
    verdict,
  ].join("  ");
}

async function main(): Promise<number> {
  let budget: Budget;
  try {
    budget = budgetOf(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const { cases, seconds, seed } = budget;
  console.log(
    `fuzz: ${budget.targets.length} target(s), per target ${cases} cases or ${seconds} s, seed ${seed}`,
  );
  const reports: TargetReport[] = [];
  for (const target of budget.targets) {
    const report = await runTarget({
      target,
      cases: budget.path === undefined ? cases : 1,
      ...(seconds > 0 && { seconds }),
      seed,
      ...(budget.path !== undefined && { path: budget.path }),
      hangSeconds: budget.hangSeconds,
    });
    reports.push(report);
    console.log(lineOf(report));
    if (report.failure !== undefined) console.log(describeFailure(report));
  }
  const failed = reports.filter((report) => report.failure !== undefined).length;
  console.log(`${reports.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
