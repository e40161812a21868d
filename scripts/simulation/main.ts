/**
 * `npm run simulate -- --seed N [--trace]` runs one seed and prints its figures (and with `--trace` every line of
 * its trace); `npm run simulate -- --seeds N [--from S]` runs seeds S..S+N−1 (S = 1 by default), one line per
 * seed, then a summary. A failing seed prints its violation, the last lines of its trace and the command that
 * replays it. Exits 1 when any seed failed.
 */
import { parseArgs } from "node:util";
import { type SimulationResult, simulate } from "./simulation.js";

const USAGE = "usage: npm run simulate -- --seed N [--trace] | --seeds N [--from S]";
const TRACE_TAIL_LINES = 60;

function parseOptions(args: readonly string[]) {
  const { values } = parseArgs({
    args: [...args],
    options: {
      seed: { type: "string" },
      seeds: { type: "string" },
      from: { type: "string" },
      trace: { type: "boolean" },
    },
  });
  const whole = (text: string | undefined, name: string, fallback: number): number => {
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isSafeInteger(value) || value < 0 || value > 0xffff_ffff)
      throw new Error(`--${name} must be a whole number in 0..4294967295\n${USAGE}`);
    return value;
  };
  if ((values.seed === undefined) === (values.seeds === undefined))
    throw new Error(`give --seed or --seeds\n${USAGE}`);
  if (values.seed !== undefined)
    return { first: whole(values.seed, "seed", 0), count: 1, single: true, trace: values.trace === true };
  return {
    first: whole(values.from, "from", 1),
    count: whole(values.seeds, "seeds", 0),
    single: false,
    trace: false,
  };
}

function figuresOf(result: SimulationResult): string {
  const { trace } = result;
  const faults = [...trace.counters.entries()]
    .filter(
      ([name]) => name.startsWith("fault ") || (name.startsWith("processor ") && name !== "processor result"),
    )
    .reduce((sum, [, count]) => sum + count, 0);
  return (
    `${trace.total("operation ")} operations, ` +
    `${trace.total("commit ")} commits, ${faults} faults, ${(result.simulatedMs / 1000).toFixed(1)} s simulated`
  );
}

function printFailure(result: SimulationResult): void {
  console.log(`seed ${result.seed}: FAIL ${result.violations[0]}`);
  for (const violation of result.violations.slice(1, 5)) console.log(`  also: ${violation}`);
  console.log(`  last ${TRACE_TAIL_LINES} lines of the trace:`);
  for (const line of result.trace.tail(TRACE_TAIL_LINES)) console.log(`    ${line}`);
  console.log(`  replay: npm run simulate -- --seed ${result.seed}`);
}

async function runOne(seed: number, printTrace: boolean): Promise<boolean> {
  const startedMs = performance.now();
  const result = await simulate({ seed });
  const seconds = ((performance.now() - startedMs) / 1000).toFixed(2);
  if (printTrace) for (const line of result.trace.lines) console.log(line);
  const { settings, trace } = result;
  console.log(
    `seed ${seed}: ${settings.nodeCount} nodes, ${settings.machines.length} machines, ${settings.clientCount} clients × ` +
      `${settings.operationsPerClient} operations, lease ${settings.leaseDurationMs} ms, fault level ${settings.faultLevel}, ${settings.restarts} restarts`,
  );
  for (const prefix of ["operation ", "answer ", "commit ", "processor ", "fault ", "engine error "])
    console.log(`  ${prefix.trim()}s: ${trace.summary(prefix) || "none"}`);
  if (result.passed) console.log(`seed ${seed}: PASS ${figuresOf(result)} (${seconds} s)`);
  else printFailure(result);
  return result.passed;
}

async function runMany(first: number, count: number): Promise<boolean> {
  const failed: number[] = [];
  const startedMs = performance.now();
  for (let seed = first; seed < first + count; seed += 1) {
    const seedStartedMs = performance.now();
    const result = await simulate({ seed });
    const seconds = ((performance.now() - seedStartedMs) / 1000).toFixed(2);
    if (result.passed) console.log(`seed ${seed}: PASS ${figuresOf(result)} (${seconds} s)`);
    else {
      failed.push(seed);
      printFailure(result);
    }
  }
  const seconds = ((performance.now() - startedMs) / 1000).toFixed(1);
  const which = failed.length === 0 ? "" : ` (seeds ${failed.join(", ")})`;
  console.log(
    `${count} seeds in ${seconds} s: ${count - failed.length} passed, ${failed.length} failed${which}`,
  );
  return failed.length === 0;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const passed = options.single
    ? await runOne(options.first, options.trace)
    : await runMany(options.first, options.count);
  return passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
